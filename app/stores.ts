// Opens the configured session store, and the login throttle's backend in the same place.
// Drivers load only for the store that needs them.
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import { createMemoryStore, type Store } from 'tessera'
import type { Pool } from 'pg'
import type { StoreConfig } from './config.js'
import {
  memoryThrottleBackend,
  postgresThrottleBackend,
  redisThrottleBackend,
  sqliteThrottleBackend,
  THROTTLE_TIMEOUT_MS,
  type ThrottleBackend,
  type ThrottleWindow,
} from './throttle.js'

/** An open store and how to release everything it opened. */
export interface OpenStore {
  readonly store: Store
  /**
   * A login throttle backend shared the way the sessions are (BF-4): memory with the memory
   * store, `throttle.db` under the data dir with SQLite, the same Redis client or pg pool.
   */
  throttleBackend(window: ThrottleWindow): ThrottleBackend
  close(): Promise<void>
}

/** The path of the login throttle's SQLite database under a data directory. */
export function throttleDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'throttle.db')
}

/** The key prefix of the app's Redis store and login throttle. */
export const REDIS_PREFIX = 'tessera-app:'

/** The path of the SQLite session database under a data directory. */
export function sessionsDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'sessions.db')
}

/** The table (prefix) of the app's PostgreSQL store; `tessera migrate` creates the same one. */
export const POSTGRES_TABLE = 'tessera_app'
/** The login throttle's table, created on first use. */
export const POSTGRES_THROTTLE_TABLE = `${POSTGRES_TABLE}_login_throttle`

/** A pg pool for the app's PostgreSQL store: bounded connects, idle-client errors ignored. */
export async function openPostgresPool(databaseUrl: string): Promise<Pool> {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 1000,
  })
  pool.on('error', () => {}) // an idle client's error; queries report their own
  return pool
}

/** The store with its throttle backends, closed (throttles first) by `close`. */
function opened(
  store: Store,
  throttleBackend: (window: ThrottleWindow) => ThrottleBackend,
  release: () => Promise<void>,
): OpenStore {
  const backends: ThrottleBackend[] = []
  return {
    store,
    throttleBackend(window) {
      const backend = throttleBackend(window)
      backends.push(backend)
      return backend
    },
    async close() {
      for (const backend of backends) await backend.close()
      await release()
    },
  }
}

/** Opens the store named by the config: memory, SQLite under the data dir, Redis or PostgreSQL. */
export async function openStore(config: StoreConfig): Promise<OpenStore> {
  switch (config.store) {
    case 'memory':
      return opened(createMemoryStore(), memoryThrottleBackend, async () => {})
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      const { createSqliteStore } = await import('tessera/stores/sqlite')
      const store = createSqliteStore({ path: sessionsDatabasePath(config.dataDir) })
      const throttle = (w: ThrottleWindow) =>
        sqliteThrottleBackend(throttleDatabasePath(config.dataDir), w)
      return opened(store, throttle, async () => store.close?.())
    }
    case 'redis': {
      const { createClient } = await import('redis')
      const { createRedisStore } = await import('tessera/stores/redis')
      // Reconnect at most 0.5 s apart, so requests recover within ~2 s of Redis coming back
      // (node-redis's default backoff grows to 2 s between attempts; see docs/stores.md).
      const client = createClient({
        url: config.redisUrl ?? '',
        socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 500) },
      })
      client.on('error', () => {}) // reconnects by itself; failed calls surface as 503s
      await client.connect()
      const store = createRedisStore({ client, prefix: REDIS_PREFIX })
      // The driver's timeout also drops a command waiting in the offline queue while Redis is down.
      const bounded = client.withCommandOptions({ timeout: THROTTLE_TIMEOUT_MS })
      const throttle = (w: ThrottleWindow) => redisThrottleBackend(bounded, REDIS_PREFIX, w)
      return opened(store, throttle, async () => void (await client.quit()))
    }
    case 'postgres': {
      const { createPostgresStore } = await import('tessera/stores/postgres')
      const pool = await openPostgresPool(config.databaseUrl ?? '')
      const store = createPostgresStore({ pool, table: POSTGRES_TABLE })
      const throttle = (w: ThrottleWindow) =>
        postgresThrottleBackend(pool, POSTGRES_THROTTLE_TABLE, w)
      return opened(store, throttle, async () => pool.end())
    }
  }
}
