// The load side of npm run bench:http (bench/http.ts) and of bench/profile.ts: the rows of issue 15's
// table, the servers under test (bench/http-app.ts in child processes), and bursts of load from
// signed-in browsers. autocannon runs one instance per browser, each with one connection and one
// request in flight, following Set-Cookie as a browser does.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { App } from './http-app.js'
import { cpuMicrosByName } from './proc-cpu.js'

const SERVER = fileURLToPath(new URL('./http-app.js', import.meta.url))

export interface Contender {
  readonly label: string
  readonly app: App
}

export interface Row {
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

export const ROWS: readonly Row[] = [
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
    // The ceiling of any Express middleware: one that only calls next().
    peers: [{ label: 'one no-op middleware', app: 'noop-middleware' }],
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
    // One transaction per request is synchronous (better-sqlite3): no await between its read
    // and its compare-and-set, so concurrent requests of one session never lose an update.
    peers: [{ label: 'floor, one transaction per request', app: 'floor-sqlite' }],
  },
  {
    id: 'server-redis',
    title: 'server carrier, Redis',
    goal: 0.75,
    ...profile('tessera-redis'),
    peers: [
      { label: 'connect-redis', app: 'connect-redis' },
      { label: 'floor, HMGET + compare-and-set script', app: 'floor-redis' },
    ],
    needs: 'REDIS_URL',
  },
  {
    id: 'server-postgres',
    title: 'server carrier, PostgreSQL',
    goal: 0.55,
    ...profile('tessera-postgres'),
    peers: [
      { label: 'connect-pg-simple', app: 'connect-pg-simple' },
      { label: 'floor, SELECT + compare-and-set UPDATE', app: 'floor-postgres' },
    ],
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
      { label: 'floor, AES-256-GCM per request', app: 'floor-cookie' },
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
      { label: 'floor, hand-written HS256', app: 'floor-token' },
    ],
  },
  {
    id: 'token-counter',
    title: 'token carrier, counter in the token (re-signed per request)',
    goal: 0.7,
    ...profile('tessera-token'),
    peers: [
      { label: 'fast-jwt', app: 'fast-jwt' },
      { label: 'floor, hand-written HS256', app: 'floor-token' },
    ],
  },
  {
    id: 'login',
    title: 'POST /login, memory store, × bare POST',
    goal: 0.85,
    method: 'POST',
    path: '/login',
    sessions: 'none',
    tessera: 'tessera-memory',
    peers: [
      { label: 'express-session', app: 'express-session-memory' },
      { label: 'hand-written floor', app: 'floor-login' },
    ],
  },
]

function profile(tessera: App) {
  return { method: 'GET', path: '/profile', sessions: 'users', tessera } as const
}

/** A browser's cookies for one site: sends them back, takes each Set-Cookie. */
export class CookieJar {
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

export interface Server {
  readonly app: App
  readonly child: ChildProcess
  readonly url: string
  readonly stop: () => Promise<void>
}

export async function start(
  app: App,
  namespace: string,
  /** A command the server runs under (e.g. valgrind and its options), or none. */
  wrapper: readonly string[] = [],
  /** Options for node itself (e.g. `--single-threaded`). */
  nodeFlags: readonly string[] = [],
): Promise<Server> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-http-'))
  const command = [...wrapper, process.execPath, ...nodeFlags, SERVER, app, dir, namespace]
  const child = spawn(command[0]!, command.slice(1), {
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
  return ask(server, 'cpu')
}

/** Sends the server one IPC message; its answer is its CPU time so far (µs). */
export async function ask(server: Server, message: unknown): Promise<number> {
  server.child.send(message as object)
  const [usage] = (await once(server.child, 'message')) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

/** Signs one browser in (POST /login, following the redirect's cookies). */
export async function signIn(server: Server): Promise<CookieJar> {
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

export interface Burst {
  readonly ok: number
  readonly errors: number
  /** CPU µs per answered request: the app server's, plus the store server's when it has one. */
  readonly cpuPerRequest: number
}

/** One burst of `seconds` against one server: one autocannon per connection (its own browser). */
export async function burst(
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

/** The browsers of a row: one signed-in session each, one shared by all, or none. */
export async function browsers(
  row: Row,
  server: Server,
  connections: number,
): Promise<CookieJar[]> {
  if (row.sessions === 'none') return Array.from({ length: connections }, () => new CookieJar())
  if (row.sessions === 'shared') return new Array<CookieJar>(connections).fill(await signIn(server))
  return Promise.all(Array.from({ length: connections }, () => signIn(server)))
}

/** A fresh Redis key prefix or PostgreSQL schema (created) for one server under test. */
export async function newNamespace(row: Row): Promise<string> {
  const namespace = `bench_${Math.random().toString(36).slice(2, 10)}`
  if (row.needs === 'DATABASE_URL') await postgres(`CREATE SCHEMA "${namespace}"`)
  return namespace
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

/** Drops what newNamespace made and the store wrote under it. */
export async function dropNamespace(row: Row, namespace: string): Promise<void> {
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
