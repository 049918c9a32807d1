// tessera's own work per request, without HTTP: the session manager opening a signed-in request
// (cookie parse, id hash or seal/JWT check, store read) and committing what the handler left, for
// each carrier on the memory store. Read next to the HTTP benchmarks: it says how much of a
// request's cost is tessera's code and how much is Express, Node's HTTP stack and the GC.
// A browser follows every Set-Cookie, so the update cases re-open what the last request wrote.
//   npx tsc -p . && node dist/bench/in-process.js [--case server-update,cookie-update,...]
//        [--requests 200000] [--warmup <requests/10>]
// Instructions per request, which the machine's load does not move: node bench/in-process-instructions.mjs
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createMemoryStore } from '../src/stores/memory.js'
import { createSessionManager, type SessionManagerOptions } from '../src/session/manager.js'
import type { ResponseSink } from '../src/session/request-session.js'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    case: { type: 'string' },
    requests: { type: 'string', default: '200000' },
    warmup: { type: 'string' },
  },
})
const REQUESTS = Number(args.requests)
const WARMUP = args.warmup === undefined ? REQUESTS / 10 : Number(args.warmup)
const sink: ResponseSink = {
  setCookies() {},
  authenticated() {},
  loggedOut() {},
  presentError: (err) => err,
}
const request = (cookieHeader: string | undefined, method = 'GET') => ({
  cookieHeader,
  secure: false,
  method,
  host: 'localhost',
  ip: '127.0.0.1',
  userAgent: 'bench',
})

/** What the handler does: read only, `update()` a counter, or assign it to `data` (committed at the end). */
type Work = 'read' | 'update' | 'assign'

async function perRequest(options: SessionManagerOptions, work: Work): Promise<number> {
  const manager = createSessionManager<{ username?: string; count?: number }>(options)
  // A browser: sends its cookies back and takes every Set-Cookie (a counter re-seals the cookie
  // carrier's cookie and re-signs the token carrier's access token on each request).
  const jar = new Map<string, string>()
  let cookie = ''
  const following: ResponseSink = {
    ...sink,
    setCookies: (values) => {
      for (const value of values) {
        const pair = value.split(';', 1)[0]!
        const eq = pair.indexOf('=')
        jar.set(pair.slice(0, eq), pair.slice(eq + 1))
      }
      cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
    },
  }
  const login = await manager.open(request(undefined, 'POST'), following)
  await login.login('alice', { data: { username: 'alice' } })
  if (login.needsCommit()) await login.commit(true)
  const one = async () => {
    const s = await manager.open(request(cookie), following)
    if (work === 'update') {
      await s.update((d) => {
        d.count = (d.count ?? 0) + 1
      })
    } else if (work === 'assign') {
      const d = s.data
      d.count = (d.count ?? 0) + 1
    }
    if (s.needsCommit()) await s.commit(true)
    return s.data.username
  }
  for (let i = 0; i < WARMUP; i++) await one() // warm-up
  const start = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) await one()
  return Number(process.hrtime.bigint() - start) / REQUESTS / 1000
}

/**
 * The least a sealed-cookie counter costs without HTTP: AES-256-GCM open, JSON parse, increment,
 * JSON stringify, AES-256-GCM seal with a fresh nonce (bench/http-app.ts's floor-cookie).
 */
function floorCookie(): number {
  const key = randomBytes(32)
  const seal = (claims: object) => {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    const body = Buffer.concat([cipher.update(JSON.stringify(claims)), cipher.final()])
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
  }
  const open = (value: string) => {
    const sealed = Buffer.from(value, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12))
    decipher.setAuthTag(sealed.subarray(sealed.length - 16))
    const body = sealed.subarray(12, sealed.length - 16)
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString()) as {
      username: string
      count: number
      exp: number
    }
  }
  let cookie = seal({ username: 'alice', count: 0, exp: Date.now() + 600_000 })
  const one = () => {
    const claims = open(cookie)
    if (!(claims.exp > Date.now())) throw new Error('expired')
    cookie = seal({ ...claims, count: claims.count + 1 })
  }
  for (let i = 0; i < WARMUP; i++) one()
  const start = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) one()
  return Number(process.hrtime.bigint() - start) / REQUESTS / 1000
}

const keys = [{ id: 'bench', key: randomBytes(32) }]
// Renewal pushed past the run, as in the HTTP benchmarks of the cookie and token carriers.
const quiet = { keys, touchIntervalSeconds: 3600, idleTimeoutSeconds: 7200 }
// The session cases: each carrier (on the memory store, or none) with what its handler does.
const carriers = {
  server: ['server + memory', () => ({ carrier: 'server', store: createMemoryStore(), ...quiet })],
  cookie: ['cookie (no store)', () => ({ carrier: 'cookie', ...quiet })],
  token: ['token + memory', () => ({ carrier: 'token', store: createMemoryStore(), ...quiet })],
} as const satisfies Record<string, readonly [string, () => SessionManagerOptions]>
const works: Record<Work, string> = { read: 'read', update: 'update()', assign: 'data.count = …' }
const sessionCases: [keyof typeof carriers, Work][] = [
  ['server', 'read'],
  ['server', 'update'],
  ['server', 'assign'],
  ['cookie', 'read'],
  ['cookie', 'update'],
  ['token', 'read'],
  ['token', 'update'],
]
const cases: [id: string, title: string, run: () => Promise<number> | number][] = [
  ...sessionCases.map(([carrier, work]): [string, string, () => Promise<number>] => {
    const [title, options] = carriers[carrier]
    return [`${carrier}-${work}`, `${title}, ${works[work]}`, () => perRequest(options(), work)]
  }),
  ['floor-cookie', 'hand-written floor: sealed-cookie counter', floorCookie],
]
const chosen = args.case?.split(',') ?? cases.map(([id]) => id)
for (const id of chosen) {
  if (!cases.some(([known]) => known === id))
    throw new Error(`unknown case ${id}; known: ${cases.map(([k]) => k)}`)
}
console.log(
  `node ${process.version}; ${REQUESTS} requests each after ${WARMUP}, wall time per request`,
)
console.log('| case | µs/request |\n| --- | ---: |')
for (const [id, title, run] of cases) {
  if (chosen.includes(id)) console.log(`| ${title} (${id}) | ${(await run()).toFixed(2)} |`)
}
