// Authenticated GET /profile over HTTP, side by side in one run: bare Express, the cookie-carrier
// peers (cookie-session, iron-session), the token-carrier peers (the tutorial's jsonwebtoken check
// with a string secret and with a KeyObject, fast-jwt) and tessera's cookie and token carriers.
// Each server runs in its own child process; autocannon drives it from this one.
//   npm run build && node dist/bench/carriers.js [seconds per variant, default 5]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { VARIANTS, type Variant } from './carrier-server.js'

const SERVER = fileURLToPath(new URL('./carrier-server.js', import.meta.url))
const seconds = Number(process.argv[2] ?? 5)
const CONNECTIONS = 10

interface Result {
  readonly variant: Variant
  readonly requestsPerSecond: number
  readonly p99Ms: number
  readonly errors: number
}

async function start(variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER, variant], { stdio: ['ignore', 'pipe', 'inherit'] })
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

async function measure(variant: Variant): Promise<Result> {
  const { child, port } = await start(variant)
  try {
    const cookie = await login(port)
    const check = await fetch(`http://127.0.0.1:${port}/profile`, { headers: { cookie } })
    const body = await check.text()
    if (body !== 'welcome alice') throw new Error(`${variant}: /profile answered "${body}"`)
    const options = {
      url: `http://127.0.0.1:${port}/profile`,
      headers: { cookie },
      connections: CONNECTIONS,
    }
    await autocannon({ ...options, duration: 1 }) // warm-up: JIT, caches
    const run = await autocannon({ ...options, duration: seconds })
    return {
      variant,
      requestsPerSecond: run.requests.average,
      p99Ms: run.latency.p99,
      errors: run.errors + run.non2xx,
    }
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
}

const results: Result[] = []
for (const variant of VARIANTS) results.push(await measure(variant))
const ceiling = results[0]!.requestsPerSecond
console.log(
  `GET /profile, authenticated; ${CONNECTIONS} connections, ${seconds} s per variant, node ${process.version}`,
)
console.log('| variant | req/s | p99 ms | ratio to bare Express | errors |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const r of results) {
  const ratio = (r.requestsPerSecond / ceiling).toFixed(2)
  console.log(
    `| ${r.variant} | ${Math.round(r.requestsPerSecond)} | ${r.p99Ms} | ${ratio}× | ${r.errors} |`,
  )
}
