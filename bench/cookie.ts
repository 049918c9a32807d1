// Cookie layer benchmarks: tessera next to the packages it replaces, and next to a raw node:crypto
// floor, in one run. Prints ns/op and ratios. Run: npx tsc -p . && node dist/bench/cookie.js
// Each group runs its variants in alternating order for several rounds and reports the median of
// CPU time per operation, which keeps a shared, noisy 2-core machine usable; the run is under 60 s.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import * as iron from '@hapi/iron'
import { parse } from 'cookie'
import signature from 'cookie-signature'
import { parseCookie, sealValue, signValue, unsealValue, verifyValue } from '../src/cookie/index.js'
import { createKeyring } from '../src/crypto/keyring.js'

interface Variant {
  readonly name: string
  readonly run: () => unknown
}

interface Group {
  readonly title: string
  /** Index into `variants` of what the others are divided by. */
  readonly baseline: number
  readonly variants: readonly Variant[]
}

const ROUNDS = 81
const BATCH_MS = 5
let sink = 0 // results feed this so the optimiser cannot drop the work

function consume(result: unknown): void {
  sink += typeof result === 'string' ? result.length : result === null ? 0 : 1
}

// CPU time of this process (user + system), not wall time: on a shared machine the wall clock
// also counts the time other engineers' processes held the core. Microsecond resolution, so
// batches are long enough (BATCH_MS) for it not to matter.
function cpuNs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) * 1000
}

function timeBatch(run: () => unknown, iterations: number): number {
  const start = cpuNs()
  for (let i = 0; i < iterations; i++) consume(run())
  return (cpuNs() - start) / iterations
}

function calibrate(run: () => unknown): number {
  let iterations = 64
  for (;;) {
    const ns = timeBatch(run, iterations) * iterations
    if (ns > 5e6 || iterations > 1e7)
      return Math.max(1, Math.round((iterations * BATCH_MS * 1e6) / ns))
    iterations *= 4
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

interface Result {
  /** Median CPU ns per operation of each variant. */
  readonly ns: number[]
  /** Fastest round of each variant: interference from other processes only ever adds time. */
  readonly best: number[]
  /** Median, over rounds, of each variant's time divided by the baseline's time in that round. */
  readonly ratio: number[]
}

// Variants take turns in short batches and each round's ratio compares neighbours in time, so
// a burst of load from another process hits both sides of a ratio instead of one.
function measure(group: Group): Result {
  const iterations = group.variants.map((v) => calibrate(v.run)) // also the warm-up
  const samples = group.variants.map((): number[] => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < group.variants.length; k++) {
      const i = (k + round) % group.variants.length // rotate who goes first
      samples[i]?.push(timeBatch(group.variants[i]!.run, iterations[i]!))
    }
  }
  const base = samples[group.baseline] ?? []
  return {
    ns: samples.map(median),
    best: samples.map((s) => Math.min(...s)),
    ratio: samples.map((s) => median(s.map((ns, round) => ns / (base[round] ?? Number.NaN)))),
  }
}

// Asynchronous variants (@hapi/iron) are timed the same way, one awaited call after another.
async function measureAsync(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 200; i++) consume(await run())
  const samples: number[] = []
  for (let round = 0; round < 9; round++) {
    const iterations = 200
    const start = cpuNs()
    for (let i = 0; i < iterations; i++) consume(await run())
    samples.push((cpuNs() - start) / iterations)
  }
  return samples
}

// --- inputs ----------------------------------------------------------------------------------

const header1 = '__Host-sid=q3XbKQ1ZaZ2Vt5Yd3Fh8s9Jk0Lm4Np6Rq7St1Uv2Wx3'
const header5 = [
  '_ga=GA1.2.1234567890.1712345678',
  '_gid=GA1.2.987654321.1712345678',
  '__cf_bm=Zx8Yk1.mQ2v3Wl_p7Jd9kT3aB4cD5eF6gH7iJ8kL9m-1712345678-1.0.1.1-AbCdEfGhIjKl',
  'theme=dark',
  header1,
].join('; ')
const header30 = Array.from({ length: 29 }, (_, i) => `pref_${i}=value-${i}-abcdefghij`)
  .concat(header1)
  .join('; ')

const secret = randomBytes(32)
const keyring = createKeyring([{ id: '2026-11', key: secret }])
const binding = { name: '__Host-sid', purpose: 'session' }
const sessionId = 'q3XbKQ1ZaZ2Vt5Yd3Fh8s9Jk0Lm4Np6Rq7St1Uv2Wx3' // 43 chars, like randomId()
const signedByTessera = signValue(sessionId, keyring, binding)
const signedByCookieSignature = signature.sign(sessionId, secret)

const state = { userId: 'u_1234', createdAt: 1_764_300_000_000, csrf: 'Xy9-aBcDeFgHiJkLmNoPqR' }
const stateJson = JSON.stringify(state)
const expiresAt = Date.now() + 3_600_000
const sealedByTessera = sealValue(stateJson, keyring, { ...binding, expiresAt })
const ironPassword = { id: 'k2026_11', secret: secret.toString('base64url') }
const sealedByIron = await iron.seal(state, ironPassword, iron.defaults)

// The floors: exactly one node:crypto call and the base64url step every cookie value needs.
const rawAesKey = randomBytes(32)
const rawData = Buffer.from(stateJson)
function rawAesSeal(): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', rawAesKey, iv)
  const body = Buffer.concat([iv, cipher.update(rawData), cipher.final(), cipher.getAuthTag()])
  return body.toString('base64url')
}
const rawSealed = rawAesSeal()
function rawAesOpen(): string {
  const box = Buffer.from(rawSealed, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', rawAesKey, box.subarray(0, 12))
  decipher.setAuthTag(box.subarray(box.length - 16))
  const head = decipher.update(box.subarray(12, box.length - 16))
  return Buffer.concat([head, decipher.final()]).toString('utf8')
}
const rawMacOf = (data: string): string =>
  createHmac('sha256', secret).update(data).digest('base64url')
const rawSigned = `${sessionId}.${rawMacOf(sessionId)}`
function rawVerify(): string | null {
  const dot = rawSigned.lastIndexOf('.')
  const expected = Buffer.from(rawMacOf(rawSigned.slice(0, dot)))
  const got = Buffer.from(rawSigned.slice(dot + 1))
  return got.length === expected.length && timingSafeEqual(got, expected)
    ? rawSigned.slice(0, dot)
    : null
}

// --- run ----------------------------------------------------------------------------------------

const groups: Group[] = [
  ...(
    [
      ['parse, 1 cookie', header1],
      ['parse, 5 cookies', header5],
      ['parse, 30 cookies', header30],
    ] as const
  ).map(([title, header]) => ({
    title,
    baseline: 0,
    variants: [
      { name: 'cookie 1.x parse', run: () => parse(header) },
      { name: 'tessera parseCookie', run: () => parseCookie(header) },
    ],
  })),
  {
    title: 'sign a 43-char value',
    baseline: 0,
    variants: [
      { name: 'raw createHmac + base64url (floor)', run: () => rawMacOf(sessionId) },
      { name: 'cookie-signature sign', run: () => signature.sign(sessionId, secret) },
      { name: 'tessera signValue', run: () => signValue(sessionId, keyring, binding) },
    ],
  },
  {
    title: 'verify a 43-char value',
    baseline: 0,
    variants: [
      { name: 'raw createHmac + base64url (floor)', run: rawVerify },
      {
        name: 'cookie-signature unsign',
        run: () => signature.unsign(signedByCookieSignature, secret),
      },
      { name: 'tessera verifyValue', run: () => verifyValue(signedByTessera, keyring, binding) },
    ],
  },
  {
    title: `seal ${stateJson.length} bytes of JSON`,
    baseline: 0,
    variants: [
      { name: 'raw AES-256-GCM + base64url (floor)', run: rawAesSeal },
      {
        name: 'tessera sealValue',
        run: () => sealValue(stateJson, keyring, { ...binding, expiresAt }),
      },
    ],
  },
  {
    title: `unseal ${stateJson.length} bytes of JSON`,
    baseline: 0,
    variants: [
      { name: 'raw AES-256-GCM + base64url (floor)', run: rawAesOpen },
      { name: 'tessera unsealValue', run: () => unsealValue(sealedByTessera, keyring, binding) },
    ],
  },
]

const started = Date.now()
const rows: string[][] = []
const cell = (n: number | undefined, digits: number): string => (n ?? Number.NaN).toFixed(digits)
for (const group of groups) {
  const { ns, best, ratio } = measure(group)
  const bestBase = best[group.baseline]
  group.variants.forEach((variant, i) => {
    const b = best[i] ?? Number.NaN
    rows.push([
      group.title,
      variant.name,
      cell(ns[i], 0),
      cell(b, 0),
      cell(ratio[i], 2),
      cell(b / (bestBase ?? Number.NaN), 2),
    ])
  })
  // @hapi/iron is asynchronous, so it is timed on its own after the group, against the floor.
  const iron_ = group.title.startsWith('seal')
    ? (['@hapi/iron seal (async)', () => iron.seal(state, ironPassword, iron.defaults)] as const)
    : group.title.startsWith('unseal')
      ? ([
          '@hapi/iron unseal (async)',
          () =>
            iron.unseal(sealedByIron, { [ironPassword.id]: ironPassword.secret }, iron.defaults),
        ] as const)
      : null
  if (iron_ !== null) {
    const samples = await measureAsync(iron_[1])
    const m = median(samples)
    const b = Math.min(...samples)
    rows.push([
      group.title,
      iron_[0],
      cell(m, 0),
      cell(b, 0),
      cell(m / (ns[group.baseline] ?? Number.NaN), 2),
      cell(b / (bestBase ?? Number.NaN), 2),
    ])
  }
}

const header = ['case', 'variant', 'median ns/op', 'best ns/op', 'median ratio', 'best ratio']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
const line = (cells: string[]): string =>
  `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
console.log(line(header))
console.log(
  `| ${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`,
)
for (const row of rows) console.log(line(row))
console.log(
  `\nCPU time per operation over ${ROUNDS} alternating rounds. median ratio: median over rounds of (variant ÷ the case's first variant in the same round); best ratio: fastest round ÷ the first variant's fastest round. Node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s, checksum ${sink % 997}.`,
)
