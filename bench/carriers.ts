// Authenticated GET /profile over HTTP, side by side in one run: bare Express, the cookie-carrier
// peers (cookie-session, iron-session), the token-carrier peers (the tutorial's jsonwebtoken check
// with a string secret and with a KeyObject, fast-jwt) and tessera's cookie and token carriers.
// Each server runs in its own child process; autocannon drives it from this one.
//   npm run build && node dist/bench/carriers.js [seconds per round, default 3] [rounds, default 3]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { VARIANTS, type Variant } from './carrier-server.js'

const SERVER = fileURLToPath(new URL('./carrier-server.js', import.meta.url))
const seconds = Number(process.argv[2] ?? 3)
const ROUNDS = Number(process.argv[3] ?? 3)
const CONNECTIONS = 10

interface Result {
  readonly variant: Variant
  readonly requestsPerSecond: number
  readonly p99Ms: number
  /** CPU time (user + system) the server used per request, microseconds. */
  readonly cpuMicrosPerRequest: number
  readonly errors: number
}

interface Round {
  readonly run: autocannon.Result
  readonly cpuMicros: number
}

async function cpuMicros(child: ChildProcess): Promise<number> {
  child.send('cpu')
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

async function start(variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER, variant], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  let output = ''
  for await (const chunk of child.stdout!) {
    output += String(chunk)
    const match = /PORT (\d+)/.exec(output)
    if (match) return { child, port: Number(match[1]) }
  }
  throw new Error(`${variant}: the server exited before listening`)
}

async function login(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'sec-fetch-site': 'same-origin' },
  })
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!)
  return cookies.join('; ')
}

interface Target {
  readonly variant: Variant
  readonly child: ChildProcess
  readonly url: string
  readonly cookie: string
}

async function prepare(variant: Variant): Promise<Target> {
  const { child, port } = await start(variant)
  const cookie = await login(port)
  const url = `http://127.0.0.1:${port}/profile`
  const body = await (await fetch(url, { headers: { cookie } })).text()
  if (body !== 'welcome alice') throw new Error(`${variant}: /profile answered "${body}"`)
  return { variant, child, url, cookie }
}

async function round(target: Target, duration: number): Promise<Round> {
  const before = await cpuMicros(target.child)
  const run = await autocannon({
    url: target.url,
    headers: { cookie: target.cookie },
    connections: CONNECTIONS,
    duration,
  })
  return { run, cpuMicros: (await cpuMicros(target.child)) - before }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

// Every server runs for the whole bench; the variants take turns, ROUNDS times, so that the
// noise of a shared machine falls on all of them alike. Each figure is the median of its rounds.
const targets: Target[] = []
try {
  for (const variant of VARIANTS) targets.push(await prepare(variant))
  for (const t of targets) await round(t, 1) // warm-up: JIT, caches
  const rounds = new Map<Variant, Round[]>(targets.map((t) => [t.variant, []]))
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of targets) rounds.get(t.variant)!.push(await round(t, seconds))
  }
  const results: Result[] = targets.map((t) => {
    const rs = rounds.get(t.variant)!
    return {
      variant: t.variant,
      requestsPerSecond: median(rs.map((x) => x.run.requests.average)),
      p99Ms: median(rs.map((x) => x.run.latency.p99)),
      cpuMicrosPerRequest: median(rs.map((x) => x.cpuMicros / x.run.requests.total)),
      errors: rs.reduce((n, x) => n + x.run.errors + x.run.non2xx, 0),
    }
  })
  report(results)
} finally {
  for (const t of targets) t.child.kill('SIGTERM')
  for (const t of targets) if (t.child.exitCode === null) await once(t.child, 'exit')
}

function report(results: Result[]): void {
  const ceiling = results[0]!
  console.log(
    `GET /profile, authenticated; ${CONNECTIONS} connections; median of ${ROUNDS} interleaved rounds of ${seconds} s; node ${process.version}`,
  )
  console.log(
    '| variant | req/s | ratio (req/s) | server CPU µs/request | ratio (CPU) | p99 ms | errors |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const ratio = r.requestsPerSecond / ceiling.requestsPerSecond
    const cpuRatio = ceiling.cpuMicrosPerRequest / r.cpuMicrosPerRequest
    console.log(
      `| ${r.variant} | ${Math.round(r.requestsPerSecond)} | ${ratio.toFixed(2)}× | ${r.cpuMicrosPerRequest.toFixed(1)} | ${cpuRatio.toFixed(2)}× | ${r.p99Ms} | ${r.errors} |`,
    )
  }
}
