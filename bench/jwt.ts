// JWT sign/verify: tessera against jose, jsonwebtoken, fast-jwt and the raw node:crypto floor.
// One run, side by side: every case of a group runs in alternating order within each round, and
// the median time per operation over the rounds is reported with its ratio to the floor.
//
//   npx tsc -p . && node dist/bench/jwt.js          (BENCH_ROUNDS, BENCH_BATCH_MS to adjust)
import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import * as jose from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { createKeyring, type JwsAlgorithm } from '../src/index.js'
import { signJwt, verifyJwt } from '../src/jwt/index.js'

type Case = { name: string; run: () => unknown; async?: boolean }
type Alg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 41)
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 8)

async function runBatch(c: Case, n: number): Promise<number> {
  const start = process.hrtime.bigint()
  if (c.async) for (let i = 0; i < n; i++) await c.run()
  else for (let i = 0; i < n; i++) c.run()
  return Number(process.hrtime.bigint() - start) / n
}

/** Iterations that take about BATCH_MS, found while warming up. */
async function calibrate(c: Case): Promise<number> {
  let n = 16
  for (;;) {
    const perOp = await runBatch(c, n)
    if (perOp * n >= 10e6 || n >= 1 << 22) return Math.max(4, Math.round((BATCH_MS * 1e6) / perOp))
    n *= 2
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}

interface Result {
  /** Median time per operation, ns. */
  readonly ns: number
  /** Median over rounds of (this case / the floor in the same round). */
  readonly ratio: number
  /** The same against the second reference (verify: floor + JSON.parse), if any. */
  readonly ratio2: number | null
}

async function measure(cases: Case[], second: string | null): Promise<Map<string, Result>> {
  const sizes = new Map<Case, number>()
  for (const c of cases) sizes.set(c, await calibrate(c))
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const ratios2 = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate (and every other round reverse) the order so no case always runs first or last.
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!)
    if (round % 2 === 1) order.reverse()
    const perOp = new Map<string, number>()
    for (const c of order) perOp.set(c.name, await runBatch(c, sizes.get(c)!))
    // The machine is shared: a ratio within one short round cancels most of the load swings.
    const floor = perOp.get(cases[0]!.name)!
    const floor2 = second === null ? null : perOp.get(second)!
    for (const [name, ns] of perOp) {
      times.get(name)!.push(ns)
      ratios.get(name)!.push(ns / floor)
      if (floor2 !== null) ratios2.get(name)!.push(ns / floor2)
    }
  }
  return new Map(
    cases.map((c) => [
      c.name,
      {
        ns: median(times.get(c.name)!),
        ratio: median(ratios.get(c.name)!),
        ratio2: second === null ? null : median(ratios2.get(c.name)!),
      },
    ]),
  )
}

function keysFor(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return generateKeyPairSync('ed25519')
}

const HASH = { HS256: 'sha256', RS256: 'sha256', ES256: 'sha256', EdDSA: null } as const

async function group(alg: Alg): Promise<string[]> {
  const nowSeconds = Math.floor(Date.now() / 1000)
  const claims = {
    sub: 'user-1234',
    iss: 'https://id.example',
    aud: 'api',
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  }
  // One key for everyone; for HS256 the tutorial's string secret is the same 64 bytes.
  const stringSecret = 'x'.repeat(32) + 'correct-horse-battery-staple-0123'.slice(0, 32)
  const secretBytes = Buffer.from(stringSecret)
  const pair = alg === 'HS256' ? null : keysFor(alg)
  const privateKey = pair?.privateKey ?? createSecretKey(secretBytes)
  const publicKey = pair?.publicKey ?? createSecretKey(secretBytes)
  const keyring = createKeyring([
    { id: 'k1', alg: alg as JwsAlgorithm, key: pair === null ? secretBytes : privateKey },
  ])
  const token = signJwt(claims, keyring, { typ: 'JWT' })
  const dot1 = token.indexOf('.')
  const dot2 = token.lastIndexOf('.')
  const header = { alg, kid: 'k1', typ: 'JWT' }
  const hash = HASH[alg]
  const dsa = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey
  const dsaPublic =
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey

  // The floor: one HMAC or crypto.verify/sign call plus the base64url work around it.
  const floorSign = () => {
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    const sig =
      pair === null
        ? createHmac('sha256', secretBytes).update(input).digest()
        : cryptoSign(hash, Buffer.from(input), dsa)
    return `${input}.${sig.toString('base64url')}`
  }
  const floorVerify = () => {
    const sig = Buffer.from(token.slice(dot2 + 1), 'base64url')
    const input = token.slice(0, dot2)
    const ok =
      pair === null
        ? timingSafeEqual(createHmac('sha256', secretBytes).update(input).digest(), sig)
        : cryptoVerify(hash, Buffer.from(input), dsaPublic, sig)
    if (!ok) throw new Error('floor: bad signature')
    return Buffer.from(token.slice(dot1 + 1, dot2), 'base64url')
  }
  const floorVerifyParse = () => JSON.parse((floorVerify() as Buffer).toString()) as unknown

  const joseSignKey =
    pair === null
      ? new Uint8Array(secretBytes)
      : await jose.importPKCS8(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, alg)
  const joseVerifyKey =
    pair === null
      ? new Uint8Array(secretBytes)
      : await jose.importSPKI(publicKey.export({ format: 'pem', type: 'spki' }) as string, alg)
  const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }) as string
  const fastSignKey = pair === null ? secretBytes : pem(privateKey, 'pkcs8')
  const fastVerifyKey = pair === null ? secretBytes : pem(publicKey, 'spki')
  const fastSigner = createSigner({ key: fastSignKey, algorithm: alg, kid: 'k1' })
  const fastVerifier = createVerifier({ key: fastVerifyKey, algorithms: [alg], cache: false })
  const fastVerifierCached = createVerifier({ key: fastVerifyKey, algorithms: [alg], cache: true })

  const signCases: Case[] = [
    { name: 'floor (node:crypto)', run: floorSign },
    { name: 'tessera', run: () => signJwt(claims, keyring, { typ: 'JWT' }) },
    {
      name: 'jose (await)',
      async: true,
      run: () => new jose.SignJWT(claims).setProtectedHeader(header).sign(joseSignKey),
    },
    { name: 'fast-jwt', run: () => fastSigner(claims) },
  ]
  const verifyCases: Case[] = [
    { name: 'floor (node:crypto)', run: floorVerify },
    { name: 'floor + JSON.parse', run: floorVerifyParse },
    { name: 'tessera', run: () => verifyJwt(token, keyring) },
    {
      name: 'jose (await)',
      async: true,
      run: () => jose.jwtVerify(token, joseVerifyKey, { algorithms: [alg] }),
    },
    { name: 'fast-jwt (no cache)', run: () => fastVerifier(token) },
    { name: 'fast-jwt (cache)', run: () => fastVerifierCached(token) },
  ]
  // jsonwebtoken has no EdDSA; for HS256 it also runs with the tutorial's string secret.
  const jwtKeys: [string, KeyObject | string, KeyObject | string][] =
    alg === 'EdDSA' ? [] : [['KeyObject', privateKey, publicKey]]
  if (alg === 'HS256') jwtKeys.push(['string secret', stringSecret, stringSecret])
  for (const [label, signKey, verifyKey] of jwtKeys) {
    const options = { algorithm: alg as jsonwebtoken.Algorithm, keyid: 'k1', noTimestamp: true }
    signCases.push({
      name: `jsonwebtoken (${label})`,
      run: () => jsonwebtoken.sign(claims, signKey, options),
    })
    verifyCases.push({
      name: `jsonwebtoken (${label})`,
      run: () => jsonwebtoken.verify(token, verifyKey, { algorithms: [options.algorithm] }),
    })
  }
  // Every verifier must accept the token before it is timed.
  for (const c of verifyCases) await c.run()

  const lines: string[] = []
  for (const [op, cases] of [
    ['sign', signCases],
    ['verify', verifyCases],
  ] as const) {
    const results = await measure(cases, op === 'verify' ? 'floor + JSON.parse' : null)
    for (const c of cases) {
      const { ns, ratio, ratio2 } = results.get(c.name)!
      const col2 = ratio2 === null ? '' : `${ratio2.toFixed(3)}×`
      lines.push(
        `| ${alg} | ${op} | ${c.name} | ${(ns / 1000).toFixed(2)} | ${ratio.toFixed(3)}× | ${col2} |`,
      )
    }
  }
  return lines
}

const started = Date.now()
console.log(
  `node ${process.version}, ${ROUNDS} rounds of ~${BATCH_MS} ms per case, median µs/op; ratio = median per-round ratio to the floor`,
)
console.log('| alg | op | implementation | µs/op | vs floor | vs floor + JSON.parse |')
console.log('| --- | --- | --- | ---: | ---: | ---: |')
for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA'] as const) {
  for (const line of await group(alg)) console.log(line)
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`)
