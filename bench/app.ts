// npm run bench:app — the reference app under load, per carrier and store, beside bare Express
// and peer middlewares, in ONE run. Each server is its own child process; autocannon drives
// GET /profile (a signed-in page that increments a counter) with one session per connection.
// Servers take turns over a few short rounds (medians reported), so load from other work on the
// machine hits all of them. Prints req/s and p99, and writes bench/app-results.svg.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { WebClient } from '../test/helpers/web-client.js'
import { renderBarChart } from './bar-chart.js'

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = 10
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const CLI = path.join(root, 'dist', 'cli', 'main.js')
const PEERS = path.join(root, 'dist', 'bench', 'app-peers.js')

interface Target {
  readonly label: string
  readonly group: 'baseline' | 'tessera' | 'peer'
  readonly args: readonly string[]
  /** Why it is skipped in this run, or null. */
  readonly skip: string | null
}

interface Result {
  readonly label: string
  readonly group: Target['group']
  readonly requestsPerSecond: number
  readonly p99Ms: number
  readonly non2xx: number
}

function tesseraTargets(): Target[] {
  const combos: [string, string][] = [
    ['server', 'memory'],
    ['server', 'sqlite'],
    ['server', 'redis'],
    ['server', 'postgres'],
    ['cookie', 'memory'],
    ['token', 'memory'],
    ['token', 'sqlite'],
  ]
  return combos.map(([carrier, store]) => ({
    label: `tessera ${carrier} / ${store}`,
    group: 'tessera',
    args: [CLI, 'serve', '--port', '0', '--carrier', carrier, '--store', store],
    skip:
      store === 'redis' && !process.env.REDIS_URL
        ? 'REDIS_URL not set'
        : store === 'postgres' && !process.env.DATABASE_URL
          ? 'DATABASE_URL not set'
          : null,
  }))
}

const TARGETS: readonly Target[] = [
  { label: 'bare Express', group: 'baseline', args: [PEERS, 'bare'], skip: null },
  ...tesseraTargets(),
  {
    label: 'express-session (MemoryStore)',
    group: 'peer',
    args: [PEERS, 'express-session'],
    skip: null,
  },
  { label: 'cookie-session', group: 'peer', args: [PEERS, 'cookie-session'], skip: null },
]

/** Starts a child server and resolves with its URL once it prints one. */
function start(target: Target, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...target.args, '--data-dir', dataDir], {
    env: { ...process.env, TESSERA_SCRYPT_LOG_N: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData)
        child.stdout?.resume() // keep draining the app's log lines
        resolve({ child, url: match[1] })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
    child.on('exit', (code) => reject(new Error(`${target.label} exited (${code}): ${out.trim()}`)))
  })
}

/** One cookie header per connection: signed-in sessions for tessera, a first visit for peers. */
async function sessionCookies(target: Target, url: string): Promise<string[]> {
  const cookies: string[] = []
  if (target.group !== 'tessera') {
    for (let i = 0; i < CONNECTIONS; i++) {
      const client = new WebClient(url, 'bench')
      await client.get('/profile')
      cookies.push(client.cookieHeader())
    }
    return cookies
  }
  const form = { username: 'bench', password: 'bench password 123' }
  await new WebClient(url, 'bench').submit('/register', '/register', form)
  for (let i = 0; i < CONNECTIONS; i++) {
    const client = new WebClient(url, 'bench')
    const res = await client.submit('/login', '/login', form)
    if (res.location !== '/profile')
      throw new Error(`${target.label}: login failed (${res.status})`)
    cookies.push(client.cookieHeader())
  }
  return cookies
}

/** A started server, signed in on every connection. */
interface Running {
  readonly target: Target
  readonly child: ChildProcess
  readonly url: string
  readonly cookies: readonly string[]
  readonly dataDir: string
}

async function prepare(target: Target): Promise<Running | null> {
  if (target.skip !== null) {
    console.log(`${target.label.padEnd(34)} skipped: ${target.skip}`)
    return null
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-app-'))
  let child: ChildProcess | undefined
  try {
    const started = await start(target, dataDir)
    child = started.child
    const cookies = await sessionCookies(target, started.url)
    return { target, child, url: started.url, cookies, dataDir }
  } catch (err) {
    child?.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
    console.log(`${target.label.padEnd(34)} skipped: ${(err as Error).message.split('\n')[0]}`)
    return null
  }
}

/** Drives GET /profile; each connection keeps one session's cookie. */
function load(server: Running, seconds: number): Promise<autocannon.Result> {
  let next = 0
  return autocannon({
    url: `${server.url}/profile`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request, context) => {
          const ctx = context as { cookie?: string | undefined }
          ctx.cookie ??= server.cookies[next++ % server.cookies.length]
          return { ...request, headers: { ...request.headers, cookie: ctx.cookie ?? '' } }
        },
      },
    ],
  })
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

async function main(): Promise<void> {
  console.log(
    `GET /profile, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SECONDS} s per server, ` +
      `medians; Node ${process.version}, ${cpus().length} CPUs. A shared, noisy machine: every ` +
      'server takes its turn in each round, so load from elsewhere hits all of them.\n',
  )
  const servers = (await Promise.all(TARGETS.map(prepare))).filter((s) => s !== null)
  try {
    for (const server of servers) await load(server, 1) // warm-up, not counted
    const samples = new Map<Running, autocannon.Result[]>(servers.map((s) => [s, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of servers) samples.get(server)?.push(await load(server, DURATION_SECONDS))
    }
    const results: Result[] = servers.map((server) => {
      const runs = samples.get(server) ?? []
      return {
        label: server.target.label,
        group: server.target.group,
        requestsPerSecond: median(runs.map((r) => r.requests.average)),
        p99Ms: median(runs.map((r) => r.latency.p99)),
        non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      }
    })
    report(results)
  } finally {
    for (const server of servers) {
      server.child.kill('SIGTERM')
      rmSync(server.dataDir, { recursive: true, force: true })
    }
  }
}

function report(results: readonly Result[]): void {
  const bare = results.find((r) => r.group === 'baseline')
  if (bare === undefined) throw new Error('bare Express did not run')
  for (const r of results) {
    const ratio = (r.requestsPerSecond / bare.requestsPerSecond).toFixed(2)
    const note = r.non2xx > 0 ? `  (${r.non2xx} non-2xx)` : ''
    console.log(
      `${r.label.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s   ` +
        `p99 ${r.p99Ms.toFixed(0).padStart(5)} ms   ${ratio}x bare Express${note}`,
    )
  }
  const svg = renderBarChart({
    title: 'Reference app: GET /profile, req/s as a ratio to bare Express (higher is better)',
    subtitle:
      `${CONNECTIONS} connections, median of ${ROUNDS} × ${DURATION_SECONDS} s per server, ` +
      `${cpus().length} shared CPUs, ${new Date().toISOString().slice(0, 10)}`,
    bars: results.map((r) => ({
      label: r.label,
      value: r.requestsPerSecond / bare.requestsPerSecond,
      note: `${r.requestsPerSecond.toFixed(0)} req/s, p99 ${r.p99Ms.toFixed(0)} ms`,
      color: r.group === 'tessera' ? '#2657d9' : r.group === 'peer' ? '#9aa3b5' : '#1d2330',
    })),
  })
  const out = path.join(root, 'bench', 'app-results.svg')
  writeFileSync(out, svg)
  console.log(`\nwrote ${path.relative(root, out)}`)
}

await main()
