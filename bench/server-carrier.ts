// Server carrier over HTTP: an authenticated GET /profile that increments a counter, and
// POST /login (session creation), side by side in one run against bare Express and
// express-session. Each server runs in its own child process; autocannon runs here.
//   npx tsc -p . && node dist/bench/server-carrier.js [seconds=5] [connections=50] [rounds=3]
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { cpuMicros } from './proc-cpu.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..', '..')
const seconds = Number(process.argv[2] ?? 5)
const connections = Number(process.argv[3] ?? 50)
const rounds = Number(process.argv[4] ?? 3)
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
  /** CPU time the server process spent per request (µs): robust to other load on the machine. */
  readonly cpuMicros: number
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

interface Target {
  readonly variant: Variant
  readonly url: string
  readonly cookies: string[]
  readonly pid: number
  readonly stop: () => Promise<void>
}

async function prepare(v: Variant, method: 'GET' | 'POST', route: string): Promise<Target> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-'))
  const { child, url } = await start(v, dir)
  // Bare Express gets a cookie of the same size, so every variant parses the same request.
  const cookies =
    method === 'POST' ? [] : v.arg === 'bare' ? [`tessera=${'A'.repeat(43)}`] : await signIn(url)
  await load(url, method, route, cookies, 1) // warm-up: JIT, caches, WAL file
  return {
    variant: v,
    url,
    cookies,
    pid: child.pid!,
    stop: async () => {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

// The machine is shared and its load drifts, so variants take turns: every round runs each one
// once, and each variant reports its median round.
async function measure(variants: Variant[], method: 'GET' | 'POST', route: string): Promise<Row[]> {
  const targets: Target[] = []
  try {
    for (const v of variants) targets.push(await prepare(v, method, route))
    const runs: Row[][] = targets.map(() => [])
    for (let round = 0; round < rounds; round++) {
      for (const [i, t] of targets.entries()) {
        const cpuBefore = cpuMicros(t.pid)
        const r = await load(t.url, method, route, t.cookies, seconds)
        const cpu = (cpuMicros(t.pid) - cpuBefore) / r.requests.total
        const ok = method === 'GET' ? r['2xx'] : r['3xx']
        const errors = r.non2xx - (method === 'GET' ? 0 : r['3xx']) + r.errors
        runs[i]!.push({
          name: t.variant.name,
          rps: ok / seconds,
          p99: r.latency.p99,
          cpuMicros: cpu,
          errors,
        })
      }
    }
    return runs.map((rows) => ({
      name: rows[0]!.name,
      rps: median(rows.map((r) => r.rps)),
      p99: median(rows.map((r) => r.p99)),
      cpuMicros: median(rows.map((r) => r.cpuMicros)),
      errors: rows.reduce((n, r) => n + r.errors, 0),
    }))
  } finally {
    for (const t of targets) await t.stop()
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}

// "× bare (CPU)" is bare Express's server CPU per request divided by the variant's: the
// throughput ratio the variant would reach on an otherwise idle machine.
function table(title: string, rows: Row[]): string {
  const base = rows[0]!
  const lines = [
    `${title} (median of ${rounds} rounds of ${seconds} s, ${connections} connections)`,
    '| variant | req/s | p99 ms | × bare (req/s) | server CPU µs/req | × bare (CPU) | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      [
        '',
        r.name,
        Math.round(r.rps),
        r.p99,
        (r.rps / base.rps).toFixed(2),
        Math.round(r.cpuMicros),
        (base.cpuMicros / r.cpuMicros).toFixed(2),
        r.errors,
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ]
  return lines.join('\n')
}

const profile = await measure(profileVariants, 'GET', '/profile')
const logins = await measure(loginVariants, 'POST', '/login')
console.log(`node ${process.version}, ${new Date().toISOString()}\n`)
console.log(table('Authenticated GET /profile (counter via update())', profile))
console.log()
console.log(table('Session creation: POST /login', logins))
