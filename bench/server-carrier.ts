// Server carrier over HTTP: an authenticated GET /profile that increments a counter, and
// POST /login (session creation), side by side in one run against bare Express and
// express-session. Each server runs in its own child process; autocannon runs here.
//   npx tsc -p . && node dist/bench/server-carrier.js [seconds=5] [connections=50]
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..', '..')
const seconds = Number(process.argv[2] ?? 5)
const connections = Number(process.argv[3] ?? 50)
const SESSIONS = 200 // distinct signed-in users, spread over the connections

interface Variant {
  readonly name: string
  readonly script: string
  readonly arg: string
}
const tsApp = path.join(here, 'server-carrier-app.js')
const esApp = path.join(repo, 'bench', 'express-session-app.mjs')
const profileVariants: Variant[] = [
  { name: 'bare Express (ceiling)', script: tsApp, arg: 'bare' },
  { name: 'tessera server + memory', script: tsApp, arg: 'tessera-memory' },
  { name: 'tessera server + SQLite', script: tsApp, arg: 'tessera-sqlite' },
  { name: 'express-session + MemoryStore', script: esApp, arg: 'es-memory' },
  { name: 'express-session + SQLite (WAL)', script: esApp, arg: 'es-sqlite' },
]
const loginVariants: Variant[] = [
  { name: 'bare POST /login (redirect only)', script: tsApp, arg: 'bare' },
  { name: 'tessera login + memory', script: tsApp, arg: 'tessera-memory' },
  { name: 'tessera login + SQLite', script: tsApp, arg: 'tessera-sqlite' },
  { name: 'express-session login + MemoryStore', script: esApp, arg: 'es-memory' },
]

interface Row {
  readonly name: string
  readonly rps: number
  readonly p99: number
  readonly errors: number
}

async function start(v: Variant, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [v.script, v.arg, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${v.name} exited (${code})`)))
    child.stdout!.once('data', (c: Buffer) => resolve(Number(String(c).trim())))
  })
  child.removeAllListeners('exit')
  return { child, url: `http://127.0.0.1:${port}` }
}

async function stop(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual' })
  const cookie = res.headers.getSetCookie().at(-1)?.split(';')[0]
  if (cookie === undefined) throw new Error('login set no cookie')
  return cookie
}

function signIn(url: string): Promise<string[]> {
  return Promise.all(Array.from({ length: SESSIONS }, () => login(url)))
}

async function load(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  cookies: string[],
  duration: number,
): Promise<autocannon.Result> {
  let next = 0
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method,
        path,
        setupRequest: (req) =>
          cookies.length === 0
            ? req
            : { ...req, headers: { ...req.headers, cookie: cookies[next++ % cookies.length]! } },
      },
    ],
  })
}

async function measure(v: Variant, method: 'GET' | 'POST', route: string): Promise<Row> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-'))
  const { child, url } = await start(v, dir)
  try {
    // Bare Express gets a cookie of the same size, so every variant parses the same request.
    const cookies =
      method === 'POST' ? [] : v.arg === 'bare' ? [`tessera=${'A'.repeat(43)}`] : await signIn(url)
    await load(url, method, route, cookies, 1) // warm-up: JIT, caches, WAL file
    const r = await load(url, method, route, cookies, seconds)
    const ok = method === 'GET' ? r['2xx'] : r['3xx']
    return {
      name: v.name,
      rps: ok / seconds,
      p99: r.latency.p99,
      errors: r.non2xx - (method === 'GET' ? 0 : r['3xx']) + r.errors,
    }
  } finally {
    await stop(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

function table(title: string, rows: Row[]): string {
  const base = rows[0]!.rps
  const lines = [
    `${title} (${seconds} s, ${connections} connections)`,
    '| variant | req/s | p99 ms | × bare | errors |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.rps)} | ${r.p99} | ${(r.rps / base).toFixed(2)} | ${r.errors} |`,
    ),
  ]
  return lines.join('\n')
}

const profile: Row[] = []
for (const v of profileVariants) profile.push(await measure(v, 'GET', '/profile'))
const logins: Row[] = []
for (const v of loginVariants) logins.push(await measure(v, 'POST', '/login'))
console.log(`node ${process.version}, ${new Date().toISOString()}\n`)
console.log(table('Authenticated GET /profile (counter via update())', profile))
console.log()
console.log(table('Session creation: POST /login', logins))
