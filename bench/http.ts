// npm run bench:http — issue 15's table: tessera and its peers over HTTP, each as a ratio to bare
// Express measured beside it. This machine's speed drifts by 2× over minutes, so only adjacent
// bursts are compared: bare Express and the contender run as two warm servers (child processes,
// bench/http-app.ts), bursts alternate between them (A B, B A, A B, …), and each adjacent pair
// gives one ratio. Reported: the median ratio and the range over the pairs, by requests per
// second and by server CPU per request (for Redis and PostgreSQL with the store server's CPU).
//
//   npm run bench:http -- [--variants server-memory,untouched,...] [--pairs 6] [--seconds 2]
//                         [--warmup 1] [--connections 10] [--no-peers] [--verbose]
//
// Load: autocannon, one instance per signed-in user, each with one connection and one request in
// flight, following Set-Cookie as a browser does (10 users; one shared session for
// server-sqlite-same). The Redis and PostgreSQL rows need REDIS_URL and DATABASE_URL; without
// them they are skipped. Every burst is bounded by --seconds; the whole run by the rows chosen.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { App } from './http-app.js'
import { cpuMicrosByName } from './proc-cpu.js'

const SERVER = fileURLToPath(new URL('./http-app.js', import.meta.url))

interface Contender {
  readonly label: string
  readonly app: App
}

interface Row {
  readonly id: string
  readonly title: string
  readonly goal: number
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** 'users': one signed-in session per connection; 'shared': one for all; 'none': no cookie. */
  readonly sessions: 'users' | 'shared' | 'none'
  readonly tessera: App
  readonly peers: readonly Contender[]
  readonly needs?: 'REDIS_URL' | 'DATABASE_URL'
}

const ROWS: readonly Row[] = [
  {
    id: 'server-memory',
    title: 'server carrier, memory store',
    goal: 0.92,
    ...profile('tessera-memory'),
    peers: [
      { label: 'express-session + MemoryStore', app: 'express-session-memory' },
      { label: 'hand-written floor', app: 'floor-memory' },
    ],
  },
  {
    id: 'untouched',
    title: 'a route that never touches the session, no cookie',
    goal: 0.97,
    method: 'GET',
    path: '/plain',
    sessions: 'none',
    tessera: 'tessera-memory',
    peers: [],
  },
  {
    id: 'server-sqlite',
    title: 'server carrier, SQLite',
    goal: 0.8,
    ...profile('tessera-sqlite'),
    peers: [
      { label: 'express-session + SQLite WAL', app: 'express-session-sqlite' },
      { label: 'floor, one transaction per request', app: 'floor-sqlite' },
    ],
  },
  {
    id: 'server-sqlite-same',
    title: 'server carrier, SQLite, 10 concurrent requests on one session',
    goal: 0.5,
    ...profile('tessera-sqlite'),
    sessions: 'shared',
    peers: [],
  },
  {
    id: 'server-redis',
    title: 'server carrier, Redis',
    goal: 0.75,
    ...profile('tessera-redis'),
    peers: [{ label: 'connect-redis', app: 'connect-redis' }],
    needs: 'REDIS_URL',
  },
  {
    id: 'server-postgres',
    title: 'server carrier, PostgreSQL',
    goal: 0.55,
    ...profile('tessera-postgres'),
    peers: [{ label: 'connect-pg-simple', app: 'connect-pg-simple' }],
    needs: 'DATABASE_URL',
  },
  {
    id: 'cookie',
    title: 'cookie carrier (sealed, no store)',
    goal: 0.85,
    ...profile('tessera-cookie'),
    peers: [
      { label: 'cookie-session (signed only)', app: 'cookie-session' },
      { label: 'iron-session', app: 'iron-session' },
    ],
  },
  {
    id: 'token-read',
    title: 'token carrier, read-only page',
    goal: 0.9,
    ...profile('tessera-token'),
    path: '/read',
    peers: [
      { label: 'jsonwebtoken (KeyObject)', app: 'jsonwebtoken' },
      { label: 'fast-jwt', app: 'fast-jwt' },
    ],
  },
  {
    id: 'token-counter',
    title: 'token carrier, counter in the token (re-signed per request)',
    goal: 0.7,
    ...profile('tessera-token'),
    peers: [],
  },
  {
    id: 'login',
    title: 'POST /login, memory store, × bare POST',
    goal: 0.85,
    method: 'POST',
    path: '/login',
    sessions: 'none',
    tessera: 'tessera-memory',
    peers: [{ label: 'express-session', app: 'express-session-memory' }],
  },
]

function profile(tessera: App) {
  return { method: 'GET', path: '/profile', sessions: 'users', tessera } as const
}

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: ROWS.map((r) => r.id).join(',') },
    pairs: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10' },
    'no-peers': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
})
const PAIRS = bounded('pairs', args.pairs, 1, 50)
const SECONDS = bounded('seconds', args.seconds, 1, 30)
const WARMUP = bounded('warmup', args.warmup, 0, 30)
const CONNECTIONS = bounded('connections', args.connections, 1, 100)

function bounded(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}`)
  }
  return n
}

/** A browser's cookies for one site: sends them back, takes each Set-Cookie. */
class CookieJar {
  readonly #cookies = new Map<string, string>()
  header = ''

  take(setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const pair = line.split(';', 1)[0]!
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      if (/;\s*max-age=0/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(eq + 1))
    }
    this.header = [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ')
  }
}

function setCookieOf(headers: Record<string, string | string[]>): string | string[] | undefined {
  for (const name in headers) if (name.toLowerCase() === 'set-cookie') return headers[name]
  return undefined
}

interface Server {
  readonly app: App
  readonly child: ChildProcess
  readonly url: string
  readonly stop: () => Promise<void>
}

async function start(app: App, namespace: string): Promise<Server> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-http-'))
  const child = spawn(process.execPath, [SERVER, app, dir, namespace], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    rmSync(dir, { recursive: true, force: true })
  }
  let output = ''
  for await (const chunk of child.stdout!) {
    output += String(chunk)
    const match = /PORT (\d+)/.exec(output)
    if (match) return { app, child, url: `http://127.0.0.1:${match[1]}`, stop }
  }
  await stop()
  throw new Error(`${app}: the server exited before listening`)
}

async function cpuOf(server: Server): Promise<number> {
  server.child.send('cpu')
  const [usage] = (await once(server.child, 'message')) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

/** Signs one browser in (POST /login, following the redirect's cookies). */
async function signIn(server: Server): Promise<CookieJar> {
  const jar = new CookieJar()
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'sec-fetch-site': 'same-origin' },
    redirect: 'manual',
  })
  jar.take(res.headers.getSetCookie())
  if (jar.header === '') throw new Error(`${server.app}: POST /login set no cookie`)
  return jar
}

interface Burst {
  readonly ok: number
  readonly errors: number
  /** CPU µs per answered request: the app server's, plus the store server's when it has one. */
  readonly cpuPerRequest: number
}

/** One burst of `seconds` against one server: one autocannon per connection (its own browser). */
async function burst(
  server: Server,
  row: Row,
  jars: readonly CookieJar[],
  seconds: number,
): Promise<Burst> {
  const storeCpu = () =>
    row.needs === 'REDIS_URL'
      ? cpuMicrosByName('redis-server')
      : row.needs === 'DATABASE_URL'
        ? cpuMicrosByName('postgres')
        : 0
  const before = (await cpuOf(server)) + storeCpu()
  const runs = await Promise.all(
    jars.map((jar) =>
      autocannon({
        url: server.url,
        connections: 1,
        duration: seconds,
        requests: [
          {
            method: row.method,
            path: row.path,
            headers: { 'sec-fetch-site': 'same-origin' },
            ...(row.sessions === 'none'
              ? {}
              : {
                  setupRequest: (req) => ({
                    ...req,
                    headers: { ...req.headers, cookie: jar.header },
                  }),
                  onResponse: (_status, _body, _context, headers) =>
                    jar.take(setCookieOf(headers as Record<string, string | string[]>)),
                }),
          },
        ],
      }),
    ),
  )
  const cpu = (await cpuOf(server)) + storeCpu() - before
  let ok = 0
  let total = 0
  for (const r of runs) {
    ok += row.method === 'POST' ? r['3xx'] : r['2xx']
    total += r.requests.total
  }
  return { ok, errors: total - ok, cpuPerRequest: cpu / Math.max(1, ok) }
}

interface Pair {
  readonly ratio: number
  readonly cpuRatio: number
  readonly bare: Burst
  readonly other: Burst
}

interface Measured {
  readonly label: string
  readonly pairs: readonly Pair[]
  readonly errors: number
}

async function measure(row: Row, bare: Server, contender: Contender): Promise<Measured> {
  const namespace = `bench_${Math.random().toString(36).slice(2, 10)}`
  if (row.needs === 'DATABASE_URL') await postgres(`CREATE SCHEMA "${namespace}"`)
  const server = await start(contender.app, namespace)
  try {
    const jars =
      row.sessions === 'none'
        ? Array.from({ length: CONNECTIONS }, () => new CookieJar())
        : row.sessions === 'shared'
          ? new Array<CookieJar>(CONNECTIONS).fill(await signIn(server))
          : await Promise.all(Array.from({ length: CONNECTIONS }, () => signIn(server)))
    if (WARMUP > 0) {
      await burst(server, row, jars, WARMUP)
      await burst(bare, row, jars, WARMUP)
    }
    const pairs: Pair[] = []
    let errors = 0
    for (let i = 0; i < PAIRS; i++) {
      let b: Burst
      let o: Burst
      if (i % 2 === 0) {
        b = await burst(bare, row, jars, SECONDS)
        o = await burst(server, row, jars, SECONDS)
      } else {
        o = await burst(server, row, jars, SECONDS)
        b = await burst(bare, row, jars, SECONDS)
      }
      errors += o.errors
      pairs.push({
        ratio: o.ok / b.ok,
        cpuRatio: b.cpuPerRequest / o.cpuPerRequest,
        bare: b,
        other: o,
      })
      if (args.verbose) {
        console.error(
          `  ${contender.label} pair ${i + 1}: bare ${Math.round(b.ok / SECONDS)}/s, ${Math.round(o.ok / SECONDS)}/s → ${(o.ok / b.ok).toFixed(2)}; CPU ${Math.round(b.cpuPerRequest)} vs ${Math.round(o.cpuPerRequest)} µs/req; load ${loadavg()[0]!.toFixed(1)}`,
        )
      }
    }
    return { label: contender.label, pairs, errors }
  } finally {
    await server.stop()
    await dropNamespace(row, namespace)
  }
}

async function postgres(sql: string): Promise<void> {
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

async function dropNamespace(row: Row, namespace: string): Promise<void> {
  if (row.needs === 'DATABASE_URL') await postgres(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
  if (row.needs === 'REDIS_URL') {
    const { createClient } = await import('redis')
    const redis = createClient({ url: process.env.REDIS_URL! })
    await redis.connect()
    for await (const keys of redis.scanIterator({ MATCH: `${namespace}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys)
    }
    redis.destroy()
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function summary(m: Measured): { ratio: number; text: string } {
  const ratios = m.pairs.map((p) => p.ratio)
  const ratio = median(ratios)
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`
  const cpu = median(m.pairs.map((p) => p.cpuRatio)).toFixed(2)
  const errors = m.errors > 0 ? `, ${m.errors} errors` : ''
  return { ratio, text: `${ratio.toFixed(2)} (${range}; CPU ${cpu}${errors})` }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')

const chosen = args.variants.split(',').map((id) => {
  const row = ROWS.find((r) => r.id === id.trim())
  if (row === undefined) throw new Error(`unknown variant ${id}; known: ${ROWS.map((r) => r.id)}`)
  return row
})
console.log(
  `node ${process.version}, ${new Date().toISOString()}; ${PAIRS} pairs of ${SECONDS} s bursts ` +
    `(warm-up ${WARMUP} s), ${CONNECTIONS} connections; load average at start ${load()}`,
)
const lines: string[] = []
const bare = await start('bare', 'bench')
try {
  for (const row of chosen) {
    if (row.needs !== undefined && !process.env[row.needs]) {
      lines.push(`| ${row.title} | skipped: ${row.needs} not set | | ${row.goal.toFixed(2)} | |`)
      continue
    }
    const loadBefore = loadavg()[0]!.toFixed(1)
    const tessera = summary(await measure(row, bare, { label: 'tessera', app: row.tessera }))
    const peers: string[] = []
    if (!args['no-peers']) {
      for (const p of row.peers)
        peers.push(`${p.label} ${summary(await measure(row, bare, p)).text}`)
    }
    const met = tessera.ratio >= row.goal ? 'yes' : 'no'
    const line = `| ${row.title} | ${tessera.text} | ${peers.join('; ') || '—'} | ≥ ${row.goal.toFixed(2)} | ${met} (load ${loadBefore}→${loadavg()[0]!.toFixed(1)}) |`
    lines.push(line)
    console.error(line)
  }
} finally {
  await bare.stop()
}
console.log(
  '\n| × bare Express (median of pairs; range; CPU ratio) | tessera | peers, same run | goal | met? |',
)
console.log('| --- | ---: | --- | ---: | --- |')
for (const line of lines) console.log(line)
console.log(`\nload average at end ${load()}`)
