// Opens the configured session store, and the login throttle's backend and the accounts in the
// same place. Drivers load only for the store that needs them: the SQLite, Redis and PostgreSQL
// stores, throttle backends and account repositories are imported when that store is opened.
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import { createMemoryStore, type Store } from 'tessera-session'
import type { Pool } from 'pg'
import { accountsDatabasePath, type AccountRepository } from './accounts.js'
import { memoryAccountRepository } from './accounts/memory.js'
import type { StoreConfig } from './config.js'
import { THROTTLE_TIMEOUT_MS, type ThrottleBackend, type ThrottleWindow } from './throttle.js'
import { memoryThrottleBackend } from './throttle/memory.js'

/** An open store and how to release everything it opened. */
export interface OpenStore {
  readonly store: Store
  /**
   * A login throttle backend shared the way the sessions are (BF-4): memory with the memory
   * store, `throttle.db` under the data dir with SQLite, the same Redis client or pg pool.
   */
  throttleBackend(window: ThrottleWindow): ThrottleBackend
  /**
   * The accounts, kept where the sessions are, so that every instance on one Redis or
   * PostgreSQL knows every user: in memory with the memory store (one process only),
   * `accounts.db` under the data dir with SQLite, the same Redis client or pg pool.
   */
  accountRepository(): AccountRepository
  close(): Promise<void>
}

/** The path of the login throttle's SQLite database under a data directory. */
export function throttleDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'throttle.db')
}

/** The key prefix of the app's Redis store, login throttle and accounts. */
export const REDIS_PREFIX = 'tessera-app:'

/** The path of the SQLite session database under a data directory. */
export function sessionsDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'sessions.db')
}

/** The table (prefix) of the app's PostgreSQL store; `tessera migrate` creates the same one. */
export const POSTGRES_TABLE = 'tessera_app'
/** The login throttle's table, created on first use. */
export const POSTGRES_THROTTLE_TABLE = `${POSTGRES_TABLE}_login_throttle`
/** The accounts' table, created on first use. */
export const POSTGRES_ACCOUNTS_TABLE = `${POSTGRES_TABLE}_accounts`

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

/** How a store opens the throttle backends and account repositories that live with it. */
interface Companions {
  throttle(window: ThrottleWindow): ThrottleBackend
  accounts(): AccountRepository
}

/**
 * The store with its throttle backends and account repositories, closed (those first) by
 * `close`.
 */
function opened(store: Store, open: Companions, release: () => Promise<void>): OpenStore {
  const companions: { close(): Promise<void> }[] = []
  const tracked = <T extends { close(): Promise<void> }>(companion: T): T => {
    companions.push(companion)
    return companion
  }
  return {
    store,
    throttleBackend: (window) => tracked(open.throttle(window)),
    accountRepository: () => tracked(open.accounts()),
    async close() {
      for (const companion of companions) await companion.close()
      await release()
    },
  }
}

/** Opens the store named by the config: memory, SQLite under the data dir, Redis or PostgreSQL. */
export async function openStore(config: StoreConfig): Promise<OpenStore> {
  switch (config.store) {
    case 'memory': {
      const companions = { throttle: memoryThrottleBackend, accounts: memoryAccountRepository }
      return opened(createMemoryStore(), companions, async () => {})
    }
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      const { createSqliteStore } = await import('tessera-session/stores/sqlite')
      const { sqliteThrottleBackend } = await import('./throttle/sqlite.js')
      const { sqliteAccountRepository } = await import('./accounts/sqlite.js')
      const store = createSqliteStore({ path: sessionsDatabasePath(config.dataDir) })
      const companions = {
        throttle: (w: ThrottleWindow) =>
          sqliteThrottleBackend(throttleDatabasePath(config.dataDir), w),
        accounts: () => sqliteAccountRepository(accountsDatabasePath(config.dataDir)),
      }
      return opened(store, companions, async () => store.close?.())
    }
    case 'redis': {
      const { createClient } = await import('redis')
      const { createRedisStore } = await import('tessera-session/stores/redis')
      const { redisThrottleBackend } = await import('./throttle/redis.js')
      const { redisAccountRepository } = await import('./accounts/redis.js')
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
      const companions = {
        throttle: (w: ThrottleWindow) => redisThrottleBackend(bounded, REDIS_PREFIX, w),
        accounts: () => redisAccountRepository(bounded, REDIS_PREFIX),
      }
      return opened(store, companions, async () => void (await client.quit()))
    }
    case 'postgres': {
      const { createPostgresStore } = await import('tessera-session/stores/postgres')
      const { postgresThrottleBackend } = await import('./throttle/postgres.js')
      const { postgresAccountRepository } = await import('./accounts/postgres.js')
      const pool = await openPostgresPool(config.databaseUrl ?? '')
      const store = createPostgresStore({ pool, table: POSTGRES_TABLE })
      const companions = {
        throttle: (w: ThrottleWindow) => postgresThrottleBackend(pool, POSTGRES_THROTTLE_TABLE, w),
        accounts: () => postgresAccountRepository(pool, POSTGRES_ACCOUNTS_TABLE),
      }
      return opened(store, companions, async () => pool.end())
    }
  }
}
