// A store outage under HTTP load, end to end: an app process on a Redis of the test's own (killed
// with SIGKILL and restarted on the same port) and, separately, on the shared PostgreSQL behind
// a TCP proxy that the test cuts and restores. While the store is down every request that needs
// it answers 503 within the store timeout, the app does not crash, and no session is treated as
// valid or dropped; when the store is back, every client succeeds again within two seconds.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { startAppProcess, type AppProcess } from '../helpers/app-process.js'
import { client, type Client } from '../helpers/http.js'
import { haveRedisBinaries, startRedisServer, type RedisProcess } from '../helpers/redis-server.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const CLIENTS = 20
/** The app's `storeTimeoutSeconds`: the bound on any store call, hence on any 503. */
const STORE_TIMEOUT_SECONDS = 1
/**
 * A reply slower than this counts as a hang: the store timeout plus one second for a loaded,
 * shared machine. A request still unanswered then is aborted, which fails the test.
 */
const HANG_MS = STORE_TIMEOUT_SECONDS * 1000 + 1000
const OUTAGE_MS = 1500
const RECOVERY_MS = 2000
const STEADY_MS = 1000
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' }

interface Tally {
  ok: number
  unavailable: number
  /** Anything but 200 or 503 while the store is down or back: a dropped or forged session. */
  other: string[]
  slowestMs: number
}

async function signedIn(base: string, i: number): Promise<Client> {
  const c = client(base)
  const reply = await c.request('/login', {
    method: 'POST',
    headers: { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: `user=load-${i}`,
  })
  assert.equal(reply.status, 303)
  return c
}

/** One `/count` request, recorded; a 200 must carry the next count, a 503 no cookie. */
async function count(c: Client, tally: Tally): Promise<number> {
  const sentAt = Date.now()
  const reply = await c.request('/count', { signal: AbortSignal.timeout(HANG_MS) })
  tally.slowestMs = Math.max(tally.slowestMs, Date.now() - sentAt)
  if (reply.status === 200) tally.ok++
  else if (reply.status === 503) tally.unavailable++
  else tally.other.push(`${reply.status} ${reply.text.slice(0, 40)}`)
  if (reply.status === 503) assert.deepEqual(reply.setCookies, [], 'a 503 never touches the cookie')
  return reply.status
}

/** Every client sends requests back to back until `ms` have passed (bounded per client). */
async function load(clients: Client[], tally: Tally, ms: number): Promise<void> {
  const end = Date.now() + ms
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 1000 && Date.now() < end; i++) await count(c, tally)
    }),
  )
}

/** Per client, ms from `since` until its first 200 (bounded), or Infinity. */
async function recovery(clients: Client[], tally: Tally, since: number): Promise<number[]> {
  return Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 200 && Date.now() - since <= RECOVERY_MS; i++) {
        if ((await count(c, tally)) === 200) return Date.now() - since
        await sleep(20)
      }
      return Infinity
    }),
  )
}

function tally(): Tally {
  return { ok: 0, unavailable: 0, other: [], slowestMs: 0 }
}

/** The whole outage, with `stop`/`start` acting on the store's server or the path to it. */
async function outageUnderLoad(
  app: AppProcess,
  stop: () => Promise<void>,
  start: () => Promise<void>,
): Promise<void> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => signedIn(app.url, i)))
  const before = tally()
  await load(clients, before, 500)
  assert.deepEqual(before.other, [])
  assert.equal(before.unavailable, 0)

  await stop()
  const down = tally()
  await load(clients, down, OUTAGE_MS)
  assert.equal(down.ok, 0, 'no request succeeded while the store was down')
  assert.deepEqual(down.other, [], 'no session was treated as absent or valid')
  assert.ok(down.unavailable >= CLIENTS, 'every client was answered 503')
  assert.ok(down.slowestMs <= HANG_MS, `a 503 took ${down.slowestMs} ms`)
  assert.equal(app.child.exitCode, null, 'the app process is still running')

  await start()
  const back = tally()
  const lags = await recovery(clients, back, Date.now())
  assert.ok(Math.max(...lags) <= RECOVERY_MS, `clients recovered after ${lags.join(', ')} ms`)
  await load(clients, back, STEADY_MS)
  assert.deepEqual(back.other, [], 'every session survived the outage')
  assert.equal(app.child.exitCode, null)

  // Every acknowledged increment is in the store; only a write whose reply was a 503 may or may
  // not have landed (the usual indeterminate outcome of a timeout).
  const stored = await Promise.all(
    clients.map(
      async (c) => (JSON.parse((await c.request('/peek')).text) as { count: number }).count,
    ),
  )
  const total = stored.reduce((a, b) => a + b, 0)
  const acknowledged = before.ok + back.ok
  assert.ok(total >= acknowledged, `stored ${total} < acknowledged ${acknowledged}`)
  assert.ok(total <= acknowledged + down.unavailable + back.unavailable)
}

const key = randomBytes(32).toString('base64url')

describe('HTTP load while Redis is killed and restarted', () => {
  if (serviceUrl('REDIS_URL') === undefined) return
  if (!haveRedisBinaries()) {
    it('skipped: redis-server and redis-cli are not on the PATH', { skip: true }, () => {})
    return
  }
  let redis: RedisProcess | undefined
  let app: AppProcess | undefined
  after(async () => {
    await app?.kill()
    await redis?.cleanup()
  })

  it('answers 503 fast, never crashes or drops a session, and recovers within 2 s', async () => {
    // Acknowledged writes survive SIGKILL only with the append-only file synced on every write.
    redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always'])
    const server = redis
    app = await startAppProcess('distributed-app-process', [
      'redis',
      `redis://127.0.0.1:${server.port}`,
      uniqueName('outage'),
      key,
      'server',
      String(STORE_TIMEOUT_SECONDS),
    ])
    await outageUnderLoad(app, server.kill, server.restart)
  })
})

describe('HTTP load while the path to PostgreSQL is cut and restored', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const schema = uniqueName('outage')
  let proxy: TcpProxy | undefined
  let app: AppProcess | undefined
  let pool: pg.Pool | undefined
  after(async () => {
    await app?.kill()
    await proxy?.close()
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool?.end()
  })

  it('answers 503 fast, never crashes or drops a session, and recovers within 2 s', async () => {
    pool = new pg.Pool({ connectionString: url, max: 1 })
    await pool.query(`CREATE SCHEMA "${schema}"`)
    const target = new URL(url)
    const path = await startTcpProxy(Number(target.port || 5432))
    proxy = path
    const proxied = new URL(url)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(path.port)
    app = await startAppProcess('distributed-app-process', [
      'postgres',
      proxied.toString(),
      schema,
      key,
      'server',
      String(STORE_TIMEOUT_SECONDS),
    ])
    await outageUnderLoad(app, path.cut, path.restore)
  })
})
