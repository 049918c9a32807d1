// node dist/bench/stores.js — the distributed stores under HTTP load, in ONE run: bare Express,
// tessera's server carrier on Redis and on PostgreSQL, and express-session with connect-redis
// and with connect-pg-simple. Every server is its own child process (bench/stores-server.ts);
// autocannon drives GET /profile (signed in, increments a counter) with one session per
// connection. Then the scale run: tessera on each store with 1,000 and with SCALE_SESSIONS
// (default 1,000,000) other sessions bulk-loaded, to show per-request cost does not grow.
// Needs REDIS_URL and DATABASE_URL. Bounded: BENCH_SECONDS (default 5) per measurement.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { createClient } from 'redis'
import { migratePostgres } from '../src/stores/postgres.js'
import { cpuMicros, cpuMicrosByName } from './proc-cpu.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 10
const SCALE = Number(process.env.SCALE_SESSIONS ?? 1_000_000)
const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stores-server.js')
const REDIS_URL = process.env.REDIS_URL
const DATABASE_URL = process.env.DATABASE_URL
if (!REDIS_URL || !DATABASE_URL) {
  console.error(
    'set REDIS_URL and DATABASE_URL (e.g. redis://127.0.0.1:6379, postgres://postgres@127.0.0.1:5432/test)',
  )
  process.exit(2)
}

interface Result {
  readonly label: string
  readonly requestsPerSecond: number
  readonly p99Ms: number
  readonly errors: number
  /** CPU per request (µs) of the app server, and of the Redis or PostgreSQL server processes. */
  readonly serverCpu: number
  readonly storeCpu: number
}

const redis = createClient({ url: REDIS_URL })
await redis.connect()
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })

/** Starts one contender, signs in one session per connection, loads it, stops it. */
async function measure(label: string, contender: string, namespace: string): Promise<Result> {
  const child = spawn(process.execPath, [SERVER, contender, namespace], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${contender} exited (${code})`)))
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())))
    })
    const base = `http://127.0.0.1:${port}`
    const cookies: string[] = []
    for (let i = 0; i < CONNECTIONS; i++) {
      const res = await fetch(`${base}/login`)
      cookies.push(
        res.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      )
    }
    let next = 0
    const load = (duration: number) =>
      autocannon({
        url: base,
        connections: CONNECTIONS,
        duration,
        requests: [
          {
            method: 'GET',
            path: '/profile',
            // The context is per connection: each connection keeps one session.
            setupRequest: (req, context) => {
              const ctx = context as { cookie?: string }
              ctx.cookie ??= cookies[next++ % cookies.length]!
              return { ...req, headers: { ...req.headers, cookie: ctx.cookie } }
            },
          },
        ],
      })
    await load(1) // warm-up: JIT, connection pools, caches
    const storeProcesses = () => cpuMicrosByName('postgres') + cpuMicrosByName('redis-server')
    const [serverBefore, storeBefore] = [cpuMicros(child.pid!), storeProcesses()]
    const result = await load(SECONDS)
    const requests = Math.max(1, result.requests.total)
    return {
      label,
      requestsPerSecond: result.requests.average,
      p99Ms: result.latency.p99,
      errors: result.non2xx + result.errors + result.timeouts,
      serverCpu: (cpuMicros(child.pid!) - serverBefore) / requests,
      storeCpu: (storeProcesses() - storeBefore) / requests,
    }
  } finally {
    child.kill('SIGKILL')
  }
}

async function dropNamespace(namespace: string) {
  await pool.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
  for await (const keys of redis.scanIterator({ MATCH: `${namespace}:*`, COUNT: 5000 })) {
    if (keys.length > 0) await redis.unlink(keys)
  }
}

// Bulk loaders: records shaped exactly as the stores write them, created server-side in
// chunks (Lua for Redis, generate_series for PostgreSQL) so loading a million takes seconds.
const REDIS_BULK = `
local prefix, from, to, e, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local j = '{"data":{"views":3},"createdAt":' .. now .. ',"authenticatedAt":' .. now .. ',"meta":{}}'
for i = from, to do
  local id = 'bulk' .. i
  local key = prefix .. '{s:' .. id .. '}'
  local user = 'bulk-user-' .. (i % 100000)
  redis.call('HSET', key, 'v', '1', 'u', user, 'e', e, 'l', now, 'j', j)
  redis.call('PEXPIREAT', key, e)
  redis.call('ZADD', prefix .. '{u:' .. user .. '}', e, id)
end
return to - from + 1`

async function bulkLoad(namespace: string, from: number, to: number) {
  const now = Date.now()
  const e = now + 3_600_000
  for (let start = from; start <= to; start += 5000) {
    const end = Math.min(to, start + 4999)
    await redis.eval(REDIS_BULK, {
      keys: [],
      arguments: [`${namespace}:`, String(start), String(end), String(e), String(now)],
    })
  }
  await pool.query(
    `INSERT INTO "${namespace}".tessera_sessions
       (id_hash, user_id, data, version, created_at, authenticated_at, last_seen_at, expires_at, meta)
     SELECT 'bulk' || i, 'bulk-user-' || (i % 100000), '{"views":3}', 1, $3, $3, $3, $4, '{}'
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to, now, e],
  )
}

const results: Result[] = []
const run = async (label: string, contender: string) => {
  const namespace = `bench_${Math.random().toString(36).slice(2, 10)}`
  await pool.query(`CREATE SCHEMA "${namespace}"`)
  try {
    results.push(await measure(label, contender, namespace))
  } finally {
    await dropNamespace(namespace)
  }
}
await run('bare Express', 'bare')
await run('tessera server / Redis', 'tessera-redis')
await run('tessera server / PostgreSQL', 'tessera-postgres')
await run('express-session + connect-redis', 'express-session-redis')
await run('express-session + connect-pg-simple', 'express-session-pg')

// Scale: the same namespace grows from 1,000 to SCALE sessions between two measurements.
const scale: Result[] = []
const namespace = `bench_${Math.random().toString(36).slice(2, 10)}`
await pool.query(`CREATE SCHEMA "${namespace}"`)
await migratePostgres({ pool, schema: namespace })
try {
  await bulkLoad(namespace, 1, 1000)
  scale.push(await measure('tessera / Redis, 1,000 sessions', 'tessera-redis', namespace))
  scale.push(await measure('tessera / PostgreSQL, 1,000 sessions', 'tessera-postgres', namespace))
  const loadStarted = Date.now()
  await bulkLoad(namespace, 1001, SCALE)
  const loadSeconds = (Date.now() - loadStarted) / 1000
  await pool.query(`ANALYZE "${namespace}".tessera_sessions`)
  const n = SCALE.toLocaleString('en')
  scale.push(await measure(`tessera / Redis, ${n} sessions`, 'tessera-redis', namespace))
  scale.push(await measure(`tessera / PostgreSQL, ${n} sessions`, 'tessera-postgres', namespace))
  console.log(
    `bulk-loaded ${(SCALE - 1000).toLocaleString('en')} sessions into each store in ${loadSeconds.toFixed(1)} s`,
  )
} finally {
  await dropNamespace(namespace)
}

const bare = results[0]!.requestsPerSecond
const row = (r: Result) =>
  `| ${r.label} | ${Math.round(r.requestsPerSecond)} | ${(r.requestsPerSecond / bare).toFixed(2)}× | ${r.p99Ms} | ${Math.round(r.serverCpu)} | ${Math.round(r.storeCpu)} | ${r.errors} |`
console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, one session per connection\n`)
console.log(
  '| server | req/s | vs bare Express | p99 ms | server CPU µs/req | store CPU µs/req | errors |\n|---|---|---|---|---|---|---|',
)
for (const r of results) console.log(row(r))
console.log(
  '\n| scale | req/s | vs bare Express | p99 ms | server CPU µs/req | store CPU µs/req | errors |\n|---|---|---|---|---|---|---|',
)
for (const r of scale) console.log(row(r))
const p99Ratio = (a: number, b: number) => (scale[b]!.p99Ms / scale[a]!.p99Ms).toFixed(2)
console.log(
  `\np99 at ${SCALE.toLocaleString('en')} / p99 at 1,000: Redis ${p99Ratio(0, 2)}×, PostgreSQL ${p99Ratio(1, 3)}×`,
)
redis.destroy()
await pool.end()
