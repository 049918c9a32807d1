// Opens the configured session store. Drivers load only for the store that needs them.
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import { createMemoryStore, type Store } from 'tessera'
import type { Pool } from 'pg'
import type { StoreConfig } from './config.js'

/** An open store and how to release everything it opened. */
export interface OpenStore {
  readonly store: Store
  close(): Promise<void>
}

/** The path of the SQLite session database under a data directory. */
export function sessionsDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'sessions.db')
}

/** The table (prefix) of the app's PostgreSQL store; `tessera migrate` creates the same one. */
export const POSTGRES_TABLE = 'tessera_app'

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

/** Opens the store named by the config: memory, SQLite under the data dir, Redis or PostgreSQL. */
export async function openStore(config: StoreConfig): Promise<OpenStore> {
  switch (config.store) {
    case 'memory':
      return { store: createMemoryStore(), close: async () => {} }
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      const { createSqliteStore } = await import('tessera/stores/sqlite')
      const store = createSqliteStore({ path: sessionsDatabasePath(config.dataDir) })
      return { store, close: async () => store.close?.() }
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
      const store = createRedisStore({ client, prefix: 'tessera-app:' })
      return { store, close: async () => void (await client.quit()) }
    }
    case 'postgres': {
      const { createPostgresStore } = await import('tessera/stores/postgres')
      const pool = await openPostgresPool(config.databaseUrl ?? '')
      const store = createPostgresStore({ pool, table: POSTGRES_TABLE })
      return { store, close: async () => pool.end() }
    }
  }
}
