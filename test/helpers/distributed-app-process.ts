// Runs the adapter test app in its own process on a Redis or PostgreSQL, for the many-process
// and outage-under-load tests: prints the port on stdout once listening; the parent kills it.
// Arguments: <redis|postgres> <url> <namespace> <key as base64url> [server|cookie|token]
// [storeTimeoutSeconds].
import pg from 'pg'
import { createClient } from 'redis'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import type { Store } from '../../src/stores/store.js'
import type { ExpressSessionOptions } from '../../src/adapters/express.js'
import { testApp, type AppData } from './express-app.js'

const [kind, url, namespace, key, carrier = 'server', storeTimeout = '2'] = process.argv.slice(2)

async function openStore(): Promise<Store> {
  if (kind === 'redis') {
    // node-redis's default reconnect backoff grows to 2 s; capped at 0.5 s the app is back within
    // two seconds of Redis (docs/stores.md, "Outages").
    const client = createClient({
      url: url!,
      socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 500) },
    })
    client.on('error', () => {})
    await client.connect()
    return createRedisStore({ client, prefix: `${namespace}:` })
  }
  const pool = new pg.Pool({ connectionString: url!, max: 10 })
  pool.on('error', () => {})
  return createPostgresStore({ pool, schema: namespace! })
}

const { app } = testApp(
  // 200 concurrent increments of one session from two processes: each may lose the version
  // check many times before it wins, so the retry budget is raised for this test.
  {
    carrier: carrier as 'server' | 'cookie' | 'token',
    keys: [{ id: 'multi', key: key! }],
    maxUpdateAttempts: 400,
    storeTimeoutSeconds: Number(storeTimeout),
  } as Partial<ExpressSessionOptions<AppData>>,
  await openStore(),
)
// Express's final handler prints the stack of every error unless env is 'test': the outage
// test's hundreds of expected 503s would flood the test output.
app.set('env', 'test')
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
