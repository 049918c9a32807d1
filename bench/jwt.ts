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

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21)
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 25)
// BENCH_ONLY=tessera,fast-jwt keeps only the floors and implementations whose names match.
const ONLY = process.env.BENCH_ONLY?.split(',') ?? null
const ALGS = (process.env.BENCH_ALGS?.split(',') ?? ['HS256', 'RS256', 'ES256', 'EdDSA']) as Alg[]

interface Sample {
  /** Wall-clock ns per operation (hrtime). */
  readonly wall: number
  /** CPU ns per operation (user + system of this process, all threads). */
  readonly cpu: number
}

async function runBatch(c: Case, n: number): Promise<Sample> {
  const cpuStart = process.cpuUsage()
  const start = process.hrtime.bigint()
  if (c.async) for (let i = 0; i < n; i++) await c.run()
  else for (let i = 0; i < n; i++) c.run()
  const wall = Number(process.hrtime.bigint() - start) / n
  const { user, system } = process.cpuUsage(cpuStart)
  return { wall, cpu: ((user + system) * 1000) / n }
}

/** Iterations that take about BATCH_MS, found while warming up. */
async function calibrate(c: Case): Promise<number> {
  let n = 16
  for (;;) {
    const perOp = (await runBatch(c, n)).wall
    if (perOp * n >= 10e6 || n >= 1 << 22) return Math.max(4, Math.round((BATCH_MS * 1e6) / perOp))
    n *= 2
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}

interface Result {
  /** Median wall-clock time per operation, ns. */
  readonly ns: number
  /** Median CPU time per operation, ns. */
  readonly cpu: number
  /** Median over rounds of (this case / the floor in the same round). */
  readonly ratio: number
  /** The same against the second reference (verify: floor + JSON.parse), if any. */
  readonly ratio2: number | null
}

async function measure(cases: Case[], second: string | null): Promise<Map<string, Result>> {
  const sizes = new Map<Case, number>()
  for (const c of cases) sizes.set(c, await calibrate(c))
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const cpus = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const ratios2 = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate (and every other round reverse) the order so no case always runs first or last.
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!)
    if (round % 2 === 1) order.reverse()
    const perOp = new Map<string, Sample>()
    for (const c of order) perOp.set(c.name, await runBatch(c, sizes.get(c)!))
    // The machine is shared: ratios use CPU time (immune to being descheduled) within one
    // round (the load changes less between neighbouring batches than across the run).
    const floor = perOp.get(cases[0]!.name)!.cpu
    const floor2 = second === null ? null : perOp.get(second)!.cpu
    for (const [name, { wall, cpu }] of perOp) {
      times.get(name)!.push(wall)
      cpus.get(name)!.push(cpu)
      ratios.get(name)!.push(cpu / floor)
      if (floor2 !== null) ratios2.get(name)!.push(cpu / floor2)
    }
  }
  return new Map(
    cases.map((c) => [
      c.name,
      {
        ns: median(times.get(c.name)!),
        cpu: median(cpus.get(c.name)!),
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

interface Fixture {
  readonly alg: Alg
  readonly claims: Record<string, unknown>
  readonly header: { alg: Alg; kid: string; typ: string }
  /** The tutorial's string secret (HS256); its bytes are the key everyone else uses. */
  readonly stringSecret: string
  readonly secretBytes: Buffer
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly asymmetric: boolean
  readonly token: string
  /** POOL tokens with the same claims, each its own jti: eight to each place of tessera's claims memo. */
  readonly pool: readonly string[]
}

/** Distinct tokens cycled by the "new token every call" rows (tessera remembers 1024 claims sets). */
const POOL = 8192

function fixture(alg: Alg): Fixture {
  const nowSeconds = Math.floor(Date.now() / 1000)
  const claims = { sub: 'user-1234', iss: 'https://id.example', aud: 'api' }
  const stringSecret = 'x'.repeat(32) + 'correct-horse-battery-staple-0123'.slice(0, 32)
  const secretBytes = Buffer.from(stringSecret)
  const pair = alg === 'HS256' ? null : keysFor(alg)
  const privateKey = pair?.privateKey ?? createSecretKey(secretBytes)
  const keyring = createKeyring([
    { id: 'k1', alg: alg as JwsAlgorithm, key: pair === null ? secretBytes : privateKey },
  ])
  const full = { ...claims, iat: nowSeconds, exp: nowSeconds + 3600 }
  return {
    alg,
    claims: full,
    header: { alg, kid: 'k1', typ: 'JWT' },
    stringSecret,
    secretBytes,
    privateKey,
    publicKey: pair?.publicKey ?? privateKey,
    asymmetric: pair !== null,
    token: signJwt(full, keyring, { typ: 'JWT' }),
    pool: Array.from({ length: POOL }, (_, i) =>
      signJwt({ ...full, jti: `t${i}` }, keyring, { typ: 'JWT' }),
    ),
  }
}

/** The raw node:crypto work: one HMAC or sign/verify call plus the base64url around it. */
function floorCases(fx: Fixture): {
  sign: Case
  verify: Case
  verifyParse: Case
  verifyPool: Case
} {
  const { token, secretBytes, asymmetric } = fx
  const hash = HASH[fx.alg]
  const p1363 = (key: KeyObject) =>
    fx.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key
  const signKey = p1363(fx.privateKey)
  const verifyKey = p1363(fx.publicKey)
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const sign = () => {
    const input = `${b64(fx.header)}.${b64(fx.claims)}`
    const sig = asymmetric
      ? cryptoSign(hash, Buffer.from(input), signKey)
      : createHmac('sha256', secretBytes).update(input).digest()
    return `${input}.${sig.toString('base64url')}`
  }
  // Split the token, check the signature, decode the payload.
  const verifyToken = (t: string) => {
    const last = t.lastIndexOf('.')
    const sig = Buffer.from(t.slice(last + 1), 'base64url')
    const input = t.slice(0, last)
    const ok = asymmetric
      ? cryptoVerify(hash, Buffer.from(input), verifyKey, sig)
      : timingSafeEqual(createHmac('sha256', secretBytes).update(input).digest(), sig)
    if (!ok) throw new Error('floor: bad signature')
    return Buffer.from(t.slice(t.indexOf('.') + 1, last), 'base64url')
  }
  const verify = () => verifyToken(token)
  let next = 0
  return {
    verifyPool: {
      name: 'floor (node:crypto)',
      run: () => verifyToken(fx.pool[next++ % POOL]!),
    },
    sign: { name: 'floor (node:crypto)', run: sign },
    verify: { name: 'floor (node:crypto)', run: verify },
    verifyParse: { name: 'floor + JSON.parse', run: () => JSON.parse(verify().toString()) },
  }
}

/** jose, fast-jwt and jsonwebtoken, each given the key in the form its documentation shows. */
async function peerCases(
  fx: Fixture,
): Promise<{ sign: Case[]; verify: Case[]; verifyPoolFastJwt: (i: number) => unknown }> {
  const { alg, claims, token } = fx
  const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }) as string
  const raw = new Uint8Array(fx.secretBytes)
  const joseSignKey = fx.asymmetric ? await jose.importPKCS8(pem(fx.privateKey, 'pkcs8'), alg) : raw
  const joseVerifyKey = fx.asymmetric ? await jose.importSPKI(pem(fx.publicKey, 'spki'), alg) : raw
  const fastSignKey = fx.asymmetric ? pem(fx.privateKey, 'pkcs8') : fx.secretBytes
  const fastVerifyKey = fx.asymmetric ? pem(fx.publicKey, 'spki') : fx.secretBytes
  const fastSigner = createSigner({ key: fastSignKey, algorithm: alg, kid: 'k1' })
  const fastVerifier = createVerifier({ key: fastVerifyKey, algorithms: [alg], cache: false })
  const fastCached = createVerifier({ key: fastVerifyKey, algorithms: [alg], cache: true })
  const sign: Case[] = [
    {
      name: 'jose (await)',
      async: true,
      run: () => new jose.SignJWT(claims).setProtectedHeader(fx.header).sign(joseSignKey),
    },
    { name: 'fast-jwt', run: () => fastSigner(claims) },
  ]
  const verify: Case[] = [
    {
      name: 'jose (await)',
      async: true,
      run: () => jose.jwtVerify(token, joseVerifyKey, { algorithms: [alg] }),
    },
    { name: 'fast-jwt (no cache)', run: () => fastVerifier(token) },
    { name: 'fast-jwt (cache)', run: () => fastCached(token) },
  ]
  // jsonwebtoken has no EdDSA; for HS256 it also runs with the tutorial's string secret.
  const jwtKeys: [string, KeyObject | string, KeyObject | string][] =
    alg === 'EdDSA' ? [] : [['KeyObject', fx.privateKey, fx.publicKey]]
  if (alg === 'HS256') jwtKeys.push(['string secret', fx.stringSecret, fx.stringSecret])
  for (const [label, signKey, verifyKey] of jwtKeys) {
    const options = { algorithm: alg as jsonwebtoken.Algorithm, keyid: 'k1', noTimestamp: true }
    const name = `jsonwebtoken (${label})`
    sign.push({ name, run: () => jsonwebtoken.sign(claims, signKey, options) })
    verify.push({
      name,
      run: () => jsonwebtoken.verify(token, verifyKey, { algorithms: [options.algorithm] }),
    })
  }
  return { sign, verify, verifyPoolFastJwt: (i) => fastVerifier(fx.pool[i]!) }
}

async function group(alg: Alg): Promise<string[]> {
  const fx = fixture(alg)
  const keyring = createKeyring([
    { id: 'k1', alg, key: fx.asymmetric ? fx.privateKey : fx.secretBytes },
  ])
  const floor = floorCases(fx)
  let poolNext = 0
  const peers = await peerCases(fx)
  const ops = [
    [
      'sign',
      [
        floor.sign,
        { name: 'tessera', run: () => signJwt(fx.claims, keyring, { typ: 'JWT' }) },
        ...peers.sign,
      ],
    ],
    [
      'verify',
      [
        floor.verify,
        floor.verifyParse,
        { name: 'tessera', run: () => verifyJwt(fx.token, keyring) },
        ...peers.verify,
      ],
    ],
    // A group of its own: cycling through 8192 tokens makes garbage whose collection would
    // otherwise land in the CPU time of whichever case runs next.
    [
      `verify, ${POOL} tokens in turn`,
      [
        floor.verifyPool,
        {
          name: 'tessera',
          run: () => verifyJwt(fx.pool[poolNext++ % POOL]!, keyring),
        },
        { name: 'fast-jwt (no cache)', run: () => peers.verifyPoolFastJwt(poolNext++ % POOL) },
      ],
    ],
  ] as const
  // Every verifier must accept the token before it is timed.
  for (const c of ops[1][1]) await c.run()
  for (const c of ops[2][1]) await c.run()
  for (const t of fx.pool) verifyJwt(t, keyring)
  const lines: string[] = []
  for (const [op, cases] of ops) {
    const kept = cases.filter(
      (c) => ONLY === null || c.name.startsWith('floor') || ONLY.some((o) => c.name.includes(o)),
    )
    const results = await measure(kept, op === 'verify' ? 'floor + JSON.parse' : null)
    for (const c of kept) {
      const { ns, cpu, ratio, ratio2 } = results.get(c.name)!
      const col2 = ratio2 === null ? '' : `${ratio2.toFixed(3)}×`
      const us = (x: number) => (x / 1000).toFixed(2)
      lines.push(
        `| ${alg} | ${op} | ${c.name} | ${us(cpu)} | ${us(ns)} | ${ratio.toFixed(3)}× | ${col2} |`,
      )
    }
  }
  return lines
}

const started = Date.now()
console.log(
  `node ${process.version}, ${ROUNDS} rounds of ~${BATCH_MS} ms per case; medians; ratio = median per-round CPU-time ratio to the floor`,
)
console.log(
  '| alg | op | implementation | CPU µs/op | wall µs/op | vs floor (CPU) | vs floor + JSON.parse (CPU) |',
)
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |')
for (const alg of ALGS) {
  for (const line of await group(alg)) console.log(line)
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`)
