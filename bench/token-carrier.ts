// The token carrier's own work per counter request, without HTTP or the session manager: load
// the access token a browser presents (`loadNow`: verify, revocation check), then write the next
// version (`replaceNow`: re-sign, Set-Cookie, the store's compare-and-set), and present the new
// token on the next round, as the HTTP row token-counter does. Also the read row (the same token
// every time) and a verify of a token this process did not sign (another process signed it).
// Rounds of each case alternate, so a build's figures can be compared with another's run A/B:
//   npx tsc -p . && node dist/bench/token-carrier.js [rounds, default 5] [requests per round, default 50000]
import { randomBytes } from 'node:crypto'
import { createKeyring } from '../src/crypto/keyring.js'
import type { CarrierRequest } from '../src/session/carrier.js'
import { createAccessTokens } from '../src/session/carriers/token/access-token.js'
import { createTokenCarrier } from '../src/session/carriers/token/token-carrier.js'
import type { SessionRecord } from '../src/stores/store.js'
import { createMemoryStore } from '../src/stores/memory.js'

const ROUNDS = Number(process.argv[2] ?? 5)
const REQUESTS = Number(process.argv[3] ?? 50_000)
const ONLY = process.argv[4]
const WARMUP = Number(process.argv[5] ?? REQUESTS / 5)
const keys = createKeyring([{ id: 'bench', key: randomBytes(32) }])
const jwtKeys = createKeyring([{ id: 'jwt', key: randomBytes(32), alg: 'HS256' }])
const cookie = {
  name: 'tessera',
  secure: false as const,
  maxAgeSeconds: undefined,
  domain: undefined,
  path: undefined,
  sameSite: 'Lax' as const,
  partitioned: false,
}

function carrier(store = createMemoryStore()) {
  return createTokenCarrier({ keys, store, cookie, absoluteTimeoutSeconds: 43200 })
}

const request = (cookieHeader: string): CarrierRequest => ({
  cookieHeader,
  secure: false,
  host: '127.0.0.1',
})
const cookieOf = (setCookies: readonly string[]) =>
  setCookies.map((c) => c.slice(0, c.indexOf(';'))).join('; ')

async function signedIn(c: ReturnType<typeof carrier>) {
  const now = Date.now()
  const written = await c.create(
    {
      userId: 'alice',
      data: { username: 'alice' },
      version: 1,
      createdAt: now,
      authenticatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 1_800_000,
      meta: {},
    },
    request(''),
  )
  return cookieOf(written.setCookies)
}

type Case = (n: number) => void

async function counter(): Promise<Case> {
  const c = carrier()
  let jar = await signedIn(c)
  return (n) => {
    for (let i = 0; i < n; i++) {
      const now = Date.now()
      const req = request(jar)
      const loaded = c.loadNow!(req, now)
      const record = loaded!.record as SessionRecord
      const data = { ...record.data, count: ((record.data.count as number) ?? 0) + 1 }
      const next = { ...record, data, version: record.version + 1, lastSeenAt: now }
      const written = c.replaceNow!(next, record.version, req)
      if (written === null) throw new Error('lost the version check')
      jar = cookieOf(written.setCookies)
    }
  }
}

async function read(): Promise<Case> {
  const c = carrier()
  const jar = await signedIn(c)
  return (n) => {
    for (let i = 0; i < n; i++) {
      if (c.loadNow!(request(jar), Date.now())?.record == null) throw new Error('no session')
    }
  }
}

/** Access tokens signed elsewhere (another process, same keys): never in this verifier's caches. */
function foreignTokens(): string[] {
  const signer = createAccessTokens(jwtKeys, {})
  const now = Date.now()
  return Array.from({ length: 8192 }, (_, i) =>
    signer.sign(
      {
        idHash: 'h'.repeat(43),
        userId: 'alice',
        data: { username: 'alice', count: i },
        version: i + 1,
        createdAt: now,
        authenticatedAt: now,
        lastSeenAt: now,
        expiresAt: now + 1_800_000,
        meta: {},
      },
      now,
    ),
  )
}

async function verify(): Promise<Case> {
  const tokens = foreignTokens()
  let verifier = createAccessTokens(jwtKeys, {})
  let k = 0
  return (n) => {
    for (let i = 0; i < n; i++) {
      // A fresh verifier every 8192 tokens, so that none is answered from its cache.
      if ((k & 8191) === 0) verifier = createAccessTokens(jwtKeys, {})
      if (verifier.verify(tokens[k++ & 8191]!, Date.now()).record === null) throw new Error('x')
    }
  }
}

async function fastJwt(): Promise<Case> {
  const tokens = foreignTokens()
  const { createVerifier } = (await import('fast-jwt')) as unknown as {
    createVerifier(o: object): (t: string) => unknown
  }
  const verifier = createVerifier({
    key: jwtKeys.primary.secret,
    algorithms: ['HS256'],
    cache: false,
  })
  let k = 0
  return (n) => {
    for (let i = 0; i < n; i++) verifier(tokens[k++ & 8191]!)
  }
}

const all: [string, () => Promise<Case>][] = [
  ['counter', counter],
  ['read', read],
  ['verify', verify],
  ['fast-jwt', fastJwt],
]
const cases: [string, Case][] = []
for (const [name, make] of all)
  if (ONLY === undefined || ONLY === name) cases.push([name, await make()])
for (const [, run] of cases) run(WARMUP)
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of cases) {
    const start = process.hrtime.bigint()
    run(REQUESTS)
    times.get(name)!.push(Number(process.hrtime.bigint() - start) / REQUESTS / 1000)
  }
}
console.log(`node ${process.version}; ${ROUNDS} rounds of ${REQUESTS}; µs per request`)
console.log('| case | median | min | max |\n| --- | ---: | ---: | ---: |')
for (const [name, t] of times) {
  const sorted = [...t].sort((a, b) => a - b)
  const median = sorted[sorted.length >> 1]!
  console.log(
    `| ${name} | ${median.toFixed(2)} | ${sorted[0]!.toFixed(2)} | ${sorted.at(-1)!.toFixed(2)} |`,
  )
}
