// Two "instances" on one shared service for the backend tests (two Redis clients, or two pg
// pools, on one server), and a proxy in front of a service that a test can cut or freeze.
import { before } from 'node:test'
import type pg from 'pg'
import { openPostgresPool } from '../../app/stores.js'
import { createRedisClient, type RedisClient } from './redis-client.js'
import { uniqueName } from './services.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

/** Two clients on the Redis at `url`, connected before the suite's tests; `close` quits both. */
export function redisInstances(url: string): {
  clients: readonly [RedisClient, RedisClient]
  close(): Promise<void>
} {
  const clients = [createRedisClient({ url }), createRedisClient({ url })] as const
  before(async () => {
    for (const client of clients) await client.connect()
  })
  return {
    clients,
    async close() {
      for (const client of clients) await client.quit()
    },
  }
}

/**
 * Two pools on the PostgreSQL at `url`, opened before the suite's tests. `table` names a fresh
 * table and `track` takes a name chosen elsewhere: `close` drops them all, then ends the pools.
 */
export function postgresInstances(url: string) {
  const pools: pg.Pool[] = []
  const tables = new Set<string>()
  before(async () => {
    pools.push(await openPostgresPool(url), await openPostgresPool(url))
  })
  return {
    pool: (instance: 0 | 1): pg.Pool => pools[instance]!,
    track(table: string): string {
      tables.add(table)
      return table
    },
    table(label: string): string {
      return this.track(uniqueName(label))
    },
    async close() {
      for (const table of tables) await pools[0]?.query(`DROP TABLE IF EXISTS "${table}"`)
      for (const pool of pools) await pool.end()
    },
  }
}

/** A proxy to the service at `url` on this machine, and the same URL through the proxy. */
export async function proxiedService(
  url: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string }> {
  const proxy = await startTcpProxy(Number(new URL(url).port || defaultPort))
  const proxied = new URL(url)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(proxy.port)
  return { proxy, url: proxied.toString() }
}

/**
 * Runs `use` with a Redis client connected through a TCP proxy to `url`'s server, so the test can
 * cut or freeze the path without touching the shared server; closes both after.
 */
export async function withProxiedRedis(
  url: string,
  use: (client: RedisClient, proxy: TcpProxy) => Promise<void>,
): Promise<void> {
  const { proxy, url: proxied } = await proxiedService(url, 6379)
  const client = createRedisClient({
    url: proxied,
    socket: { reconnectStrategy: () => 100 },
  })
  client.on('error', () => {})
  await client.connect()
  try {
    await use(client, proxy)
  } finally {
    client.destroy()
    await proxy.close()
  }
}

/** The same for a PostgreSQL pool (restored before it ends, so ending does not hang). */
export async function withProxiedPostgres(
  url: string,
  use: (pool: pg.Pool, proxy: TcpProxy) => Promise<void>,
): Promise<void> {
  const { proxy, url: proxied } = await proxiedService(url, 5432)
  const pool = await openPostgresPool(proxied)
  try {
    await use(pool, proxy)
  } finally {
    await proxy.restore()
    await pool.end()
    await proxy.close()
  }
}
