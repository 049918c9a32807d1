// A Store on PostgreSQL through `pg` 8: a Pool the caller creates and ends. Parameterised SQL
// only; the two identifiers (schema, table) are validated and quoted once at startup. The
// store creates and migrates its tables on first use, or an operator runs `migratePostgres`
// beforehand.
import type { Clock } from '../clock.js'
import { TesseraError } from '../errors.js'
import { intervalSeconds, positiveInteger, rejectUnknown } from '../options.js'
import {
  postgresMigrations,
  postgresTables,
  sweepAt,
  type PostgresTables,
} from './postgres-schema.js'
import { batched } from './batch.js'
import { bounded, sweep, type Query } from './postgres-query.js'
import { createPostgresRefreshTokens } from './postgres-tokens.js'
import { lifetimeColumn, lifetimeField } from './lifetime-column.js'
import type { PostgresPoolLike, PostgresResult } from './postgres-driver.js'
import type { SessionRecord, SessionStore, Store } from './store.js'

export type { PostgresPoolLike, PostgresQueryable, PostgresResult } from './postgres-driver.js'

export interface PostgresStoreOptions {
  /** A `pg` Pool; the caller ends it. Set `connectionTimeoutMillis` on it so connects fail fast too. */
  readonly pool: PostgresPoolLike
  /** Schema of the tables; migrating creates it when it is missing. Default `public`. */
  readonly schema?: string
  /** Base name: tables `<table>_sessions`, `<table>_refresh_tokens`, `<table>_migrations`. Default `tessera`. */
  readonly table?: string
  /** A query that has not answered by then fails with ERR_STORE_UNAVAILABLE. Default 1000 ms. */
  readonly queryTimeoutMs?: number
  /** Rows deleted per statement by `deleteExpired`. Default 1000. */
  readonly sweepBatchSize?: number
  /** How often this process deletes expired rows (an unref'd timer); 0 turns it off. Default 60. */
  readonly sweepIntervalSeconds?: number
  /** Create and migrate the tables on first use. Default true; false when an operator runs `migratePostgres`. */
  readonly migrate?: boolean
  /** Where the store reads the time (epoch ms) to hide expired records. Default `Date`. */
  readonly clock?: Clock
}

/** The options of `createPostgresStore`; the first four are also `migratePostgres`'s. */
const POSTGRES_OPTIONS = [
  'pool',
  'schema',
  'table',
  'queryTimeoutMs',
  'sweepBatchSize',
  'sweepIntervalSeconds',
  'migrate',
  'clock',
]
const POSTGRES_HINTS = {
  connectionString: 'pass pool: new pg.Pool({ connectionString })',
}

/** Options of `migratePostgres`: the same pool, schema and table as the store. */
export type PostgresMigrateOptions = Pick<
  PostgresStoreOptions,
  'pool' | 'schema' | 'table' | 'queryTimeoutMs'
>

/**
 * Creates the store's schema (when missing), tables and indexes, or brings them up to date; safe
 * to run concurrently from many processes (an advisory lock serialises them). Returns how many
 * migrations ran.
 *
 * @example
 * await migratePostgres({ pool, schema: 'auth' }) // what `tessera migrate` runs
 */
export async function migratePostgres(options: PostgresMigrateOptions): Promise<number> {
  rejectUnknown(options, POSTGRES_OPTIONS.slice(0, 4), 'migratePostgres()', POSTGRES_HINTS)
  const table = options.table ?? 'tessera'
  const t = postgresTables(options.schema ?? 'public', table)
  const migrations = postgresMigrations(t, table)
  const timeoutMs = options.queryTimeoutMs ?? 1000
  const client = await bounded('connect', timeoutMs, () => options.pool.connect())
  const q = (text: string, values: unknown[] = []) =>
    bounded('migrate', timeoutMs * 5, () => client.query({ text, values }))
  try {
    await q('BEGIN')
    await q('SELECT pg_advisory_xact_lock($1)', [t.lockKey])
    await createSchema(q, options.schema ?? 'public', t)
    await q(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    )
    const done = await q(`SELECT coalesce(max(version), 0) AS v FROM ${t.migrations}`)
    const from = Number(done.rows[0]?.v ?? 0)
    for (let version = from + 1; version <= migrations.length; version++) {
      for (const statement of migrations[version - 1]!) await q(statement)
      await q(`INSERT INTO ${t.migrations} (version, applied_at) VALUES ($1, $2)`, [
        version,
        Date.now(),
      ])
    }
    await q('COMMIT')
    client.release()
    return Math.max(0, migrations.length - from)
  } catch (err) {
    client.release(true) // the connection may be mid-transaction: discard it
    throw err
  }
}

/**
 * Creates the schema when it does not exist. Checked first: CREATE SCHEMA IF NOT EXISTS needs the
 * CREATE privilege on the database even when the schema is there, which an app's role may lack.
 */
async function createSchema(
  q: (text: string, values?: unknown[]) => Promise<PostgresResult>,
  schema: string,
  t: PostgresTables,
): Promise<void> {
  const found = await q('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
  if (found.rows.length > 0) return
  try {
    await q(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`)
  } catch (cause) {
    throw new TesseraError(
      'ERR_STORE_UNAVAILABLE',
      `postgres schema "${schema}" does not exist and could not be created (the role may lack ` +
        'CREATE on the database): create it, or run migratePostgres / tessera migrate as a role that may',
      { cause },
    )
  }
}

/** What `ready()` checks, and the message when it is missing. */
async function checkReady(
  query: Query,
  schema: string,
  t: PostgresTables,
  table: string,
): Promise<void> {
  const { rows } = await query(
    'ready check',
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
      to_regclass($2) IS NOT NULL AS sessions, to_regclass($3) IS NOT NULL AS tokens,
      to_regclass($4) IS NOT NULL AS migrations`,
    [schema, t.sessions, t.refreshTokens, t.migrations],
  )
  const row = rows[0] ?? {}
  const missing =
    row.schema !== true
      ? `schema "${schema}" does not exist`
      : row.sessions !== true
        ? `table ${t.sessions} does not exist`
        : row.tokens !== true
          ? `table ${t.refreshTokens} does not exist`
          : await missingMigrations(query, t, table, row.migrations === true)
  if (missing !== null) {
    throw new TesseraError(
      'ERR_STORE_UNAVAILABLE',
      `postgres store not ready: ${missing}; run migratePostgres (tessera migrate), or create ` +
        'the store with migrate: true',
    )
  }
}

/**
 * Null when every migration this tessera knows has been applied; otherwise what is missing (an
 * upgrade that adds a migration, with `migrate: false` and no `tessera migrate` run yet).
 */
async function missingMigrations(
  query: Query,
  t: PostgresTables,
  table: string,
  recorded: boolean,
): Promise<string | null> {
  const known = postgresMigrations(t, table).length
  if (!recorded) return `table ${t.migrations} does not exist`
  const { rows } = await query(
    'ready check',
    `SELECT coalesce(max(version), 0) AS v FROM ${t.migrations}`,
    [],
  )
  const applied = Number(rows[0]?.v ?? 0)
  return applied >= known ? null : `the tables are at migration ${applied} of ${known}`
}

/**
 * A Store on PostgreSQL. Expired rows are invisible at once and deleted by a timer (and
 * `deleteExpired`), in batches that skip locked rows, so a sweep never makes a request wait.
 * `close()` stops the timer; the pool stays the caller's.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 1000 })
 * const store = createPostgresStore({ pool })
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  rejectUnknown(options, POSTGRES_OPTIONS, 'createPostgresStore()', POSTGRES_HINTS)
  if (typeof options?.pool?.query !== 'function') {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'createPostgresStore takes { pool, schema?, table? }, with pool a pg.Pool',
    )
  }
  const table = options.table ?? 'tessera'
  const t = postgresTables(options.schema ?? 'public', table)
  const timeoutMs = positiveInteger(options, 'queryTimeoutMs', 1000)
  const batchSize = positiveInteger(options, 'sweepBatchSize', 1000)
  const sweepEvery = intervalSeconds(options, 'sweepIntervalSeconds', 60)
  const clock = options.clock ?? Date
  const now = () => clock.now()
  const pool = options.pool
  let ready: Promise<unknown> | undefined =
    options.migrate === false ? Promise.resolve() : undefined
  // Migrates once; a failure (the database is down at startup) is retried by the next call.
  const migrated = () =>
    (ready ??= migratePostgres({
      pool,
      schema: options.schema ?? 'public',
      table,
      queryTimeoutMs: timeoutMs,
    }).catch((err: unknown) => {
      ready = undefined
      throw err
    }))
  let migratedOnce = false // after the first success, queries skip the await
  const query: Query = async (op, text, values) => {
    if (!migratedOnce) {
      await migrated()
      migratedOnce = true
    }
    const name = statementName(text)
    return bounded(op, timeoutMs, () =>
      pool.query({ name, text, values, query_timeout: timeoutMs }),
    )
  }
  const sessions = createPostgresSessions(query, t, now, batchSize)
  const refreshTokens = createPostgresRefreshTokens(query, t, batchSize)
  // Every process may sweep: SKIP LOCKED lets concurrent sweeps share the work. A failed sweep
  // (the database is down) is simply tried again at the next tick.
  const timer =
    sweepEvery === 0
      ? undefined
      : setInterval(() => {
          const at = now()
          sessions
            .deleteExpired(at)
            .then(() => refreshTokens.deleteExpired(at))
            .catch(() => {})
        }, sweepEvery * 1000).unref()
  return {
    sessions,
    refreshTokens,
    async close() {
      clearInterval(timer)
    },
    ready: () => checkReady(query, options.schema ?? 'public', t, table),
  }
}

// Every query the store sends is one of a few texts, run on every request: as named (prepared)
// statements, PostgreSQL parses and plans each once per connection instead of on every call. A
// name stands for one text in this process (two stores on different tables get different
// names), as pg requires.
const statementNames = new Map<string, string>()

function statementName(text: string): string {
  let name = statementNames.get(text)
  if (name === undefined) {
    name = `tessera_${statementNames.size + 1}`
    statementNames.set(text, name)
  }
  return name
}

const SESSION_COLUMN_LIST = [
  'id_hash',
  'user_id',
  'data',
  'version',
  'created_at',
  'authenticated_at',
  'last_seen_at',
  'expires_at',
  'meta',
  'max_age_seconds',
] as const
const SESSION_COLUMNS = SESSION_COLUMN_LIST.join(', ')

/**
 * The texts of the statements every request sends, built once per store: a text is also the key
 * of its prepared statement's name (statementName) and is compared with what pg prepared on the
 * connection, so one string built once is hashed once, where a text built per call would be
 * flattened, hashed and compared in full on every call.
 */
function hotStatements(t: PostgresTables) {
  return {
    getOne: `SELECT ${SESSION_COLUMNS} FROM ${t.sessions} WHERE id_hash = $1 AND expires_at > $2`,
    getMany: `SELECT ${SESSION_COLUMNS} FROM ${t.sessions} WHERE id_hash = ANY($1::text[]) AND expires_at > $2`,
    replaceOne: `UPDATE ${t.sessions} SET user_id = $2, data = $3, version = $4, created_at = $5,
             authenticated_at = $6, last_seen_at = $7, expires_at = $8, meta = $9,
             max_age_seconds = $10, sweep_at = ${sweepAt('$8')}
           WHERE id_hash = $1 AND version = $11 AND expires_at > $12`,
    replaceMany: `WITH v AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
             $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[])
             AS v(${SESSION_COLUMNS}, expected)),
         locked AS MATERIALIZED (
           SELECT s.id_hash FROM ${t.sessions} s JOIN v USING (id_hash)
           WHERE s.version = v.expected AND s.expires_at > $12
           ORDER BY s.id_hash FOR UPDATE OF s)
         UPDATE ${t.sessions} s SET user_id = v.user_id, data = v.data, version = v.version,
           created_at = v.created_at, authenticated_at = v.authenticated_at,
           last_seen_at = v.last_seen_at, expires_at = v.expires_at, meta = v.meta,
           max_age_seconds = v.max_age_seconds, sweep_at = ${sweepAt('v.expires_at')}
         FROM v WHERE s.id_hash = v.id_hash AND s.id_hash IN (SELECT id_hash FROM locked)
           AND s.version = v.expected AND s.expires_at > $12
         RETURNING s.id_hash`,
    touchOne: `UPDATE ${t.sessions} SET last_seen_at = $2, expires_at = $3, sweep_at = ${sweepAt('$3')}
           WHERE id_hash = $1 AND expires_at > $4`,
    touchMany: `WITH v AS (
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
             AS v(id_hash, last_seen_at, expires_at)),
         locked AS MATERIALIZED (
           SELECT s.id_hash FROM ${t.sessions} s JOIN v USING (id_hash) WHERE s.expires_at > $4
           ORDER BY s.id_hash FOR UPDATE OF s)
         UPDATE ${t.sessions} s SET last_seen_at = v.last_seen_at, expires_at = v.expires_at,
           sweep_at = ${sweepAt('v.expires_at')}
         FROM v WHERE s.id_hash = v.id_hash AND s.id_hash IN (SELECT id_hash FROM locked)
           AND s.expires_at > $4`,
  }
}

function createPostgresSessions(
  query: Query,
  t: PostgresTables,
  now: () => number,
  batchSize: number,
): SessionStore {
  const values = (r: SessionRecord) => [
    r.idHash,
    r.userId,
    JSON.stringify(r.data),
    r.version,
    r.createdAt,
    r.authenticatedAt,
    r.lastSeenAt,
    r.expiresAt,
    JSON.stringify(r.meta),
    lifetimeColumn(r),
  ]
  const sql = hotStatements(t)
  // get, replace and touch run on every request; calls made in the same turn of the event loop
  // go out as one statement each (see batch.ts). Rows are locked in id order, so two batches
  // (in this process or another) that share records cannot deadlock.
  const get = batched<string, SessionRecord | null>(async (ids) => {
    if (ids.length === 1) {
      // A batch of one (no concurrent request): the plain statement, cheaper than the array form.
      const result = await query('get', sql.getOne, [ids[0], now()])
      const row = result.rows[0]
      return [row === undefined ? null : decodeSession(row)]
    }
    const result = await query('get', sql.getMany, [ids, now()])
    const found = new Map<string, Record<string, unknown>>()
    for (const row of result.rows) found.set(row.id_hash as string, row)
    return ids.map((id) => {
      const row = found.get(id)
      return row === undefined ? null : decodeSession(row)
    })
  }, String)

  const replace = batched<{ record: SessionRecord; expectedVersion: number }, boolean>(
    async (items) => {
      const [one] = items
      if (items.length === 1 && one !== undefined) {
        const result = await query('replace', sql.replaceOne, [
          ...values(one.record),
          one.expectedVersion,
          now(),
        ])
        return [result.rowCount === 1]
      }
      const rows = items.map((i) => values(i.record))
      const columns = SESSION_COLUMN_LIST.map((_, c) => rows.map((row) => row[c]))
      const result = await query('replace', sql.replaceMany, [
        ...columns,
        items.map((i) => i.expectedVersion),
        now(),
      ])
      const replaced = new Set(result.rows.map((row) => row.id_hash as string))
      return items.map((i) => replaced.has(i.record.idHash))
    },
    (i) => i.record.idHash,
  )

  const touch = batched<{ idHash: string; lastSeenAt: number; expiresAt: number }, void>(
    async (items) => {
      const [one] = items
      if (items.length === 1 && one !== undefined) {
        await query('touch', sql.touchOne, [one.idHash, one.lastSeenAt, one.expiresAt, now()])
        return [undefined]
      }
      await query('touch', sql.touchMany, [
        items.map((i) => i.idHash),
        items.map((i) => i.lastSeenAt),
        items.map((i) => i.expiresAt),
        now(),
      ])
      return items.map(() => undefined)
    },
    (i) => i.idHash,
  )

  return {
    get,

    async create(record) {
      await query(
        'create',
        `INSERT INTO ${t.sessions} (${SESSION_COLUMNS}, sweep_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8)
         ON CONFLICT (id_hash) DO UPDATE SET user_id = $2, data = $3, version = $4,
           created_at = $5, authenticated_at = $6, last_seen_at = $7, expires_at = $8, meta = $9,
           max_age_seconds = $10, sweep_at = $8`,
        values(record),
      )
    },

    replace: (record, expectedVersion) => replace({ record, expectedVersion }),

    touch: (idHash, lastSeenAt, expiresAt) => touch({ idHash, lastSeenAt, expiresAt }),

    async delete(idHash) {
      await query('delete', `DELETE FROM ${t.sessions} WHERE id_hash = $1`, [idHash])
    },

    async listByUser(userId) {
      const result = await query(
        'listByUser',
        `SELECT ${SESSION_COLUMNS} FROM ${t.sessions} WHERE user_id = $1 AND expires_at > $2`,
        [userId, now()],
      )
      return result.rows.map(decodeSession)
    },

    // One statement, so atomic; expired rows of the user go too, but only live ones count.
    async deleteByUser(userId, exceptIdHash) {
      const result = await query(
        'deleteByUser',
        `WITH gone AS (
           DELETE FROM ${t.sessions} WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2
           RETURNING expires_at)
         SELECT count(*) FILTER (WHERE expires_at > $3) AS n FROM gone`,
        [userId, exceptIdHash ?? null, now()],
      )
      return Number(result.rows[0]?.n ?? 0)
    },

    // By sweep_at (indexed, never above expires_at; NULL on rows an older tessera wrote).
    deleteExpired: (at) =>
      sweep(
        query,
        t.sessions,
        at,
        batchSize,
        '(sweep_at <= $1 OR sweep_at IS NULL) AND expires_at <= $1',
      ),
  }
}

function decodeSession(row: Record<string, unknown>): SessionRecord {
  return {
    idHash: row.id_hash as string,
    userId: row.user_id as string | null,
    data: JSON.parse(row.data as string) as SessionRecord['data'],
    version: Number(row.version),
    createdAt: Number(row.created_at),
    authenticatedAt: row.authenticated_at === null ? null : Number(row.authenticated_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    meta: JSON.parse(row.meta as string) as SessionRecord['meta'],
    ...lifetimeField(row.max_age_seconds as string | null),
  }
}
