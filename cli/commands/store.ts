// Where a deployment keeps its sessions, from the command line: any deployment of the library,
// with the reference app's naming as the defaults. Opening a store here never creates anything
// (no directory, database, schema or table); a store that is not there is an error naming it.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { TesseraError, type Store } from 'tessera-session'
import {
  accountsDatabasePath,
  guardedRepository,
  normalizeUsername,
  type AccountRepository,
} from '../../app/accounts.js'
import { postgresAccountRepository } from '../../app/accounts/postgres.js'
import { redisAccountRepository } from '../../app/accounts/redis.js'
import { STORES, type StoreName } from '../../app/config.js'
import {
  openPostgresPool,
  POSTGRES_ACCOUNTS_TABLE,
  POSTGRES_TABLE,
  REDIS_PREFIX,
  sessionsDatabasePath,
} from '../../app/stores.js'
import { UsageError } from './output.js'

/** The parseArgs definitions of the options naming a store. */
export const STORE_OPTIONS = {
  store: { type: 'string' },
  'data-dir': { type: 'string' },
  path: { type: 'string' },
  prefix: { type: 'string' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  table: { type: 'string' },
} as const

/** Their help lines. */
export const STORE_HELP = `Store options (the reference app's values are the defaults):
  --store <name>          sqlite | redis | postgres (default sqlite; env TESSERA_STORE)
  --data-dir <dir>        the reference app's data directory (default ./data; env TESSERA_DATA_DIR)
  --path <file>           sqlite: the database file (default <data-dir>/sessions.db)
  --prefix <p>            sqlite: table prefix (default tessera_);
                          redis: key prefix (default ${REDIS_PREFIX})
  --redis-url <url>       redis: the server (default env REDIS_URL)
  --database-url <url>    postgres: the database (default env DATABASE_URL)
  --schema <s>            postgres: the tables' schema (default public)
  --table <t>             postgres: the tables' base name (default ${POSTGRES_TABLE})`

/** The values of the store options as parseArgs returns them. */
export type StoreValues = { readonly [K in keyof typeof STORE_OPTIONS]?: string | undefined }

type Env = Readonly<Record<string, string | undefined>>

/** A store named on the command line. */
export type StoreTarget =
  | {
      readonly store: 'memory'
      readonly dataDir: string
      readonly appNaming: true
    }
  | {
      readonly store: 'sqlite'
      readonly dataDir: string
      readonly path: string
      readonly prefix: string
      /** True when every name is the reference app's, so its accounts are next to the store. */
      readonly appNaming: boolean
    }
  | {
      readonly store: 'redis'
      readonly dataDir: string
      readonly url: string
      readonly prefix: string
      readonly appNaming: boolean
    }
  | {
      readonly store: 'postgres'
      readonly dataDir: string
      readonly url: string
      readonly schema: string
      readonly table: string
      readonly appNaming: boolean
    }

const SQLITE_PREFIX = 'tessera_'

function usage(message: string): UsageError {
  return new UsageError(message)
}

/** Options that belong to another store are a mistake the operator should hear about. */
function refuseForeign(values: StoreValues, store: StoreName, allowed: readonly string[]): void {
  for (const name of ['path', 'prefix', 'redis-url', 'database-url', 'schema', 'table'] as const) {
    if (values[name] !== undefined && !allowed.includes(name)) {
      throw usage(`--${name} does not apply to --store ${store}`)
    }
  }
}

/** Reads the store options and the environment (TESSERA_STORE, REDIS_URL, DATABASE_URL). */
export function storeTarget(values: StoreValues, env: Env = process.env): StoreTarget {
  const name = values.store ?? env.TESSERA_STORE ?? 'sqlite'
  if (!(STORES as readonly string[]).includes(name)) {
    throw usage(`--store must be one of ${STORES.join(', ')}; got "${name}"`)
  }
  const store = name as StoreName
  const dataDir = path.resolve(values['data-dir'] ?? env.TESSERA_DATA_DIR ?? 'data')
  switch (store) {
    case 'memory':
      refuseForeign(values, store, [])
      return { store, dataDir, appNaming: true }
    case 'sqlite': {
      refuseForeign(values, store, ['path', 'prefix'])
      const file =
        values.path === undefined ? sessionsDatabasePath(dataDir) : path.resolve(values.path)
      const prefix = values.prefix ?? SQLITE_PREFIX
      const appNaming = values.path === undefined && prefix === SQLITE_PREFIX
      return { store, dataDir, path: file, prefix, appNaming }
    }
    case 'redis': {
      refuseForeign(values, store, ['redis-url', 'prefix'])
      const url = values['redis-url'] ?? (env.REDIS_URL || undefined)
      if (url === undefined) throw usage('--store redis needs --redis-url or REDIS_URL')
      const prefix = values.prefix ?? REDIS_PREFIX
      return { store, dataDir, url, prefix, appNaming: prefix === REDIS_PREFIX }
    }
    case 'postgres': {
      refuseForeign(values, store, ['database-url', 'schema', 'table'])
      const url = values['database-url'] ?? (env.DATABASE_URL || undefined)
      if (url === undefined) throw usage('--store postgres needs --database-url or DATABASE_URL')
      const schema = values.schema ?? 'public'
      const table = values.table ?? POSTGRES_TABLE
      const appNaming = schema === 'public' && table === POSTGRES_TABLE
      return { store, dataDir, url, schema, table, appNaming }
    }
  }
}

/** A URL as it may be printed: without its password. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(an unparsable URL)'
  }
}

/** What `where` describes in messages: the store and the names that locate it. */
export function describeTarget(target: StoreTarget): string {
  switch (target.store) {
    case 'memory':
      return 'the memory store'
    case 'sqlite':
      return `the SQLite database ${target.path} (table prefix ${target.prefix})`
    case 'redis':
      return `Redis at ${redactedUrl(target.url)} (key prefix ${target.prefix})`
    case 'postgres':
      return `PostgreSQL table ${target.schema}.${target.table}_sessions`
  }
}

function missing(message: string, target: StoreTarget): TesseraError {
  const hint =
    target.store === 'postgres' || target.store === 'sqlite'
      ? '; nothing was created (tessera migrate creates the tables, with the same options)'
      : ''
  return new TesseraError('ERR_STORE_UNAVAILABLE', message + hint)
}

/** A store opened for a command, and what lives next to it. */
export interface OpenedStore {
  readonly target: StoreTarget
  readonly store: Store
  /** The reference app's accounts next to this store, or null (another deployment's store). */
  accounts(): Promise<AccountRepository | null>
  close(): Promise<void>
}

async function openSqlite(target: Extract<StoreTarget, { store: 'sqlite' }>): Promise<OpenedStore> {
  if (!existsSync(target.path)) {
    throw missing(`no SQLite database at ${target.path}`, target)
  }
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(target.path, { fileMustExist: true })
  const tables = ['sessions', 'refresh_tokens'].map((t) => target.prefix + t)
  const found = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${tables.map(() => '?').join(', ')})`,
    )
    .all(...tables) as { name: string }[]
  const absent = tables.filter((t) => !found.some((row) => row.name === t))
  if (absent.length > 0) {
    db.close()
    throw missing(`the SQLite database ${target.path} has no table ${absent.join(' or ')}`, target)
  }
  const { createSqliteStore } = await import('tessera-session/stores/sqlite')
  const store = createSqliteStore({
    database: db,
    prefix: target.prefix,
    sweepIntervalSeconds: 3600,
  })
  const companions: AccountRepository[] = []
  return {
    target,
    store,
    async accounts() {
      const file = accountsDatabasePath(target.dataDir)
      if (!target.appNaming || !existsSync(file)) return null
      // Loaded here: it imports better-sqlite3, which only the SQLite store may load.
      const { sqliteAccountRepository } = await import('../../app/accounts/sqlite.js')
      const repo = sqliteAccountRepository(file)
      companions.push(repo)
      return repo
    },
    async close() {
      for (const c of companions) await c.close()
      await store.close?.()
      db.close()
    },
  }
}

async function openRedis(target: Extract<StoreTarget, { store: 'redis' }>): Promise<OpenedStore> {
  const { createClient } = await import('redis')
  const client = createClient({
    url: target.url,
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  })
  client.on('error', () => {}) // the failed call reports it
  try {
    await client.connect()
  } catch (cause) {
    throw new TesseraError(
      'ERR_STORE_UNAVAILABLE',
      `cannot connect to Redis at ${redactedUrl(target.url)}`,
      { cause },
    )
  }
  const { createRedisStore } = await import('tessera-session/stores/redis')
  const store = createRedisStore({ client, prefix: target.prefix })
  return {
    target,
    store,
    async accounts() {
      return target.appNaming ? redisAccountRepository(client, target.prefix) : null
    },
    async close() {
      await store.close?.()
      await client.quit()
    },
  }
}

async function openPostgres(
  target: Extract<StoreTarget, { store: 'postgres' }>,
): Promise<OpenedStore> {
  const pool = await openPostgresPool(target.url)
  const present = async (name: string): Promise<boolean> => {
    const { rows } = await pool.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [`"${target.schema}"."${name}"`],
    )
    return rows[0]?.present === true
  }
  try {
    const { rows } = await pool
      .query<{ present: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present',
        [target.schema],
      )
      .catch((cause: unknown) => {
        throw new TesseraError(
          'ERR_STORE_UNAVAILABLE',
          `cannot query PostgreSQL at ${redactedUrl(target.url)}`,
          { cause },
        )
      })
    if (rows[0]?.present !== true) {
      throw missing(`PostgreSQL has no schema "${target.schema}"`, target)
    }
    for (const suffix of ['_sessions', '_refresh_tokens']) {
      if (!(await present(target.table + suffix))) {
        throw missing(`PostgreSQL has no table ${target.schema}.${target.table}${suffix}`, target)
      }
    }
  } catch (err) {
    await pool.end()
    throw err
  }
  const { createPostgresStore } = await import('tessera-session/stores/postgres')
  const store = createPostgresStore({
    pool,
    schema: target.schema,
    table: target.table,
    migrate: false,
    sweepIntervalSeconds: 0,
    queryTimeoutMs: 60_000,
  })
  return {
    target,
    store,
    async accounts() {
      if (!target.appNaming || !(await present(POSTGRES_ACCOUNTS_TABLE))) return null
      return postgresAccountRepository(pool, POSTGRES_ACCOUNTS_TABLE)
    },
    async close() {
      await store.close?.()
      await pool.end()
    },
  }
}

/**
 * Opens the store the options name, as it is: never creates a directory, database, schema or
 * table. A missing one is a `TesseraError` (exit code 1) whose message names it.
 */
export async function openExistingStore(target: StoreTarget): Promise<OpenedStore> {
  switch (target.store) {
    case 'memory':
      throw usage(
        "--store memory: a memory store lives inside the app's process; the CLI cannot reach it",
      )
    case 'sqlite':
      return openSqlite(target)
    case 'redis':
      return openRedis(target)
    case 'postgres':
      return openPostgres(target)
  }
}

/**
 * The user id for `--user`: a username known to the reference app's accounts (kept next to its
 * store) maps to its id; anything else is taken as a user id.
 */
export async function resolveUserId(opened: OpenedStore, user: string): Promise<string> {
  const accounts = await opened.accounts()
  if (accounts === null) return user
  return (await guardedRepository(accounts).findByUsername(normalizeUsername(user)))?.id ?? user
}
