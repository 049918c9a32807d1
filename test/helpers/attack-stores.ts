// The four stores of the attack matrix, each opened fresh and isolated (a temp SQLite file, a
// random Redis prefix, a random PostgreSQL schema), with a second instance on the same data (as
// another process would open it) and a dump of everything the store holds, for SID-4.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import type { Store } from '../../src/stores/store.js'
import type { Clock } from '../../src/testing/fake-clock.js'
import { createRedisClient, type RedisClient } from './redis-client.js'
import type { ServiceVariable } from './services.js'
import { uniqueName } from './services.js'
import { tempDir } from './sqlite.js'

export type StoreKind = 'memory' | 'sqlite' | 'redis' | 'postgres'
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'redis', 'postgres']

/** The service a store kind needs, if any. */
export const SERVICE_OF: Record<StoreKind, ServiceVariable | null> = {
  memory: null,
  sqlite: null,
  redis: 'REDIS_URL',
  postgres: 'DATABASE_URL',
}

/** One isolated store and what the attack tests need around it. */
export interface Backing {
  readonly kind: StoreKind
  readonly store: Store
  /** Another store instance on the same data: what a second app process would open. */
  twin(): Store
  /**
   * Everything the store was ever given (every argument of every call), plus, for SQLite,
   * Redis and PostgreSQL, what they hold: the database files' bytes, every key and value under
   * the prefix, every row of the schema.
   */
  dump(): Promise<string>
  close(): Promise<void>
}

/** Opens a fresh store of `kind` whose idea of "now" is `clock`. */
export async function openBacking(kind: StoreKind, clock: Clock): Promise<Backing> {
  const given: string[] = []
  const opened = await open(kind, clock)
  return {
    kind,
    store: recording(opened.store, given),
    twin: () => recording(opened.twin(), given),
    dump: async () => `${given.join('\n')}\n${await opened.contents()}`,
    close: opened.close,
  }
}

interface Opened {
  store: Store
  twin(): Store
  contents(): Promise<string>
  close(): Promise<void>
}

async function open(kind: StoreKind, clock: Clock): Promise<Opened> {
  switch (kind) {
    case 'memory': {
      const store = createMemoryStore({ clock })
      return { store, twin: () => store, contents: async () => '', close: async () => {} }
    }
    case 'sqlite':
      return openSqlite(clock)
    case 'redis':
      return openRedis(clock)
    case 'postgres':
      return openPostgres(clock)
  }
}

function openSqlite(clock: Clock): Opened {
  const { dir, remove } = tempDir()
  const file = path.join(dir, 'sessions.db')
  const stores = [createSqliteStore({ path: file, clock })]
  return {
    store: stores[0]!,
    twin() {
      const twin = createSqliteStore({ path: file, clock })
      stores.push(twin)
      return twin
    },
    // The raw bytes of the database, its WAL and shared memory: what a stolen backup holds.
    contents: async () =>
      readdirSync(dir)
        .map((name) => readFileSync(path.join(dir, name)).toString('latin1'))
        .join('\n'),
    async close() {
      for (const s of stores) await s.close?.()
      remove()
    },
  }
}

async function openRedis(clock: Clock): Promise<Opened> {
  const client = createRedisClient({ url: process.env.REDIS_URL ?? '' })
  client.on('error', () => {}) // it reconnects by itself; failed commands reject
  await client.connect()
  const prefix = `${uniqueName('attack')}:`
  const keys = async (): Promise<string[]> => {
    const all: string[] = []
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      all.push(...batch)
    }
    return all
  }
  const make = () => createRedisStore({ client, prefix, clock })
  return {
    store: make(),
    twin: make,
    async contents() {
      const out: string[] = []
      for (const key of await keys()) out.push(key, JSON.stringify(await redisValue(client, key)))
      return out.join('\n')
    },
    async close() {
      const all = await keys()
      if (all.length > 0) await client.del(all)
      client.destroy()
    },
  }
}

async function redisValue(client: RedisClient, key: string): Promise<unknown> {
  switch (await client.type(key)) {
    case 'hash':
      return client.hGetAll(key)
    case 'zset':
      return client.zRangeWithScores(key, 0, -1)
    case 'set':
      return client.sMembers(key)
    case 'list':
      return client.lRange(key, 0, -1)
    default:
      return client.get(key)
  }
}

async function openPostgres(clock: Clock): Promise<Opened> {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: 4,
    connectionTimeoutMillis: 2000,
  })
  const schema = uniqueName('attack')
  await pool.query(`CREATE SCHEMA "${schema}"`)
  const stores: Store[] = []
  const make = () => {
    const store = createPostgresStore({ pool, schema, clock, sweepIntervalSeconds: 0 })
    stores.push(store)
    return store
  }
  return {
    store: make(),
    twin: make,
    async contents() {
      const tables = await pool.query<{ name: string }>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      )
      const out: string[] = []
      for (const { name } of tables.rows) {
        const rows = await pool.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${schema}"."${name}" t`,
        )
        out.push(name, ...rows.rows.map((r) => r.row))
      }
      return out.join('\n')
    },
    async close() {
      for (const s of stores) await s.close?.()
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    },
  }
}

/** `store`, with every argument of every call appended (as JSON) to `log`. */
function recording(store: Store, log: string[]): Store {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          log.push(JSON.stringify(args))
          return (value as (...a: unknown[]) => unknown).apply(object, args)
        }
      },
    })
  return {
    sessions: wrap(store.sessions),
    refreshTokens: wrap(store.refreshTokens),
    ...(store.close === undefined ? {} : { close: () => store.close!() }),
  }
}
