// tessera/stores/sqlite: the embedded default. Sessions survive a restart; concurrent writes are
// committed together (group commit) and acknowledged only once committed.
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { TesseraError } from '../errors.js'
import { createGroupCommit } from './group-commit.js'
import { SQLITE_META_TABLE, SQLITE_MIGRATIONS } from './schema/sqlite.js'
import type { RefreshTokenRecord, SessionRecord, Store } from './store.js'

/** A prepared statement: the few better-sqlite3 methods the store uses. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

/** A database connection: the few better-sqlite3 (12) methods the store uses. */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement
  exec(source: string): unknown
  close(): unknown
  readonly inTransaction: boolean
}

interface CommonOptions {
  /** Prefix of the store's table names, for several stores in one database; default `'tessera_'`. */
  readonly prefix?: string
  /** How often expired rows are swept (an unref'd timer); default 60. */
  readonly sweepIntervalSeconds?: number
  /** Rows deleted per sweep transaction, so a sweep never holds the write lock for long; default 1000. */
  readonly sweepBatchSize?: number
  /** Where "now" comes from when deciding what has expired; default `Date.now`. */
  readonly clock?: { now(): number }
}

/**
 * Options of `createSqliteStore`: a file `path` (the store opens it, configures WAL and closes
 * it on `close()`), or an open better-sqlite3 `database` (yours to configure and close).
 */
export type SqliteStoreOptions = CommonOptions &
  (
    | { readonly path: string; readonly database?: never; readonly busyTimeoutMs?: number }
    | { readonly database: SqliteDatabase; readonly path?: never }
  )

const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,48}$/

interface SessionRow {
  id_hash: string
  user_id: string | null
  data: string
  version: number
  created_at: number
  authenticated_at: number | null
  last_seen_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
}

interface TokenRow {
  id_hash: string
  family_id: string
  user_id: string
  created_at: number
  expires_at: number
  used_at: number | null
  revoked_at: number | null
}

function toSessionRecord(row: SessionRow): SessionRecord {
  const meta: { ip?: string; userAgent?: string } = {}
  if (row.ip !== null) meta.ip = row.ip
  if (row.user_agent !== null) meta.userAgent = row.user_agent
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    version: row.version,
    createdAt: row.created_at,
    authenticatedAt: row.authenticated_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    meta,
  }
}

function toTokenRecord(row: TokenRow): RefreshTokenRecord {
  return {
    idHash: row.id_hash,
    familyId: row.family_id,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  }
}

/** The columns of a session row after id_hash, in table order. */
function sessionValues(r: SessionRecord): unknown[] {
  return [
    r.userId,
    JSON.stringify(r.data),
    r.version,
    r.createdAt,
    r.authenticatedAt,
    r.lastSeenAt,
    r.expiresAt,
    r.meta.ip ?? null,
    r.meta.userAgent ?? null,
  ]
}

function openDatabase(file: string, busyTimeoutMs: number): SqliteDatabase {
  let Database: new (file: string) => SqliteDatabase
  try {
    Database = createRequire(import.meta.url)('better-sqlite3') as typeof Database
  } catch (cause) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'createSqliteStore({ path }) needs the optional peer dependency better-sqlite3 ^12 (npm install better-sqlite3)',
      { cause },
    )
  }
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
    const db = new Database(file)
    // WAL: readers never block the writer. synchronous=NORMAL in WAL syncs at checkpoints, not at
    // each commit: a committed write survives a crash of the process, not a power loss.
    db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${busyTimeoutMs}`,
    )
    return db
  } catch (cause) {
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `cannot open the sqlite database "${file}"`, {
      cause,
    })
  }
}

/** Creates the store's tables or brings them up to the current schema version, in one transaction. */
export function migrateSqlite(db: SqliteDatabase, prefix: string): void {
  const sql = (text: string) => text.replaceAll('{p}', prefix)
  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec(sql(SQLITE_META_TABLE))
    const row = db.prepare(sql(`SELECT value FROM {p}meta WHERE key = 'schema_version'`)).get() as
      { value: string } | undefined
    const current = row === undefined ? 0 : Number(row.value)
    if (!(current <= SQLITE_MIGRATIONS.length)) {
      throw new TesseraError(
        'ERR_CONFIG_INVALID',
        `the sqlite schema "${prefix}" is at version ${row?.value}; this tessera knows up to ${SQLITE_MIGRATIONS.length}`,
      )
    }
    for (const migration of SQLITE_MIGRATIONS.slice(current)) db.exec(sql(migration))
    db.prepare(
      sql(`INSERT INTO {p}meta (key, value) VALUES ('schema_version', ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    ).run(String(SQLITE_MIGRATIONS.length))
    db.exec('COMMIT')
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw err
  }
}

function checkOptions(options: SqliteStoreOptions): void {
  const given = [options.path !== undefined, options.database !== undefined].filter(Boolean).length
  if (given !== 1) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'createSqliteStore needs exactly one of path or database',
    )
  }
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path === '')) {
    throw new TesseraError('ERR_CONFIG_INVALID', 'path must be a non-empty string')
  }
  const prefix = options.prefix ?? 'tessera_'
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      `prefix must match ${PREFIX_PATTERN} (letters, digits, underscores), got "${prefix}"`,
    )
  }
  const positive: [string, number | undefined][] = [
    ['sweepIntervalSeconds', options.sweepIntervalSeconds],
    ['sweepBatchSize', options.sweepBatchSize],
    ['busyTimeoutMs', 'busyTimeoutMs' in options ? options.busyTimeoutMs : undefined],
  ]
  for (const [name, value] of positive) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0 && value <= 2_147_483)) {
      throw new TesseraError(
        'ERR_CONFIG_INVALID',
        `${name} must be a positive integer up to 2147483, got ${value}`,
      )
    }
  }
}

/**
 * A session store in SQLite through better-sqlite3 12. Given a `path`, it loads the driver,
 * opens the file (creating its directory) in WAL mode and closes it on `close()`; given a
 * `database`, it uses it as is and never closes it. Either way it creates or migrates its tables,
 * commits concurrent writes together, and sweeps expired rows on a timer that does not keep the
 * process alive.
 *
 * @example
 * const store = createSqliteStore({ path: './data/sessions.db' })
 * // or, with a database you own: createSqliteStore({ database: new Database('app.db') })
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  checkOptions(options)
  const prefix = options.prefix ?? 'tessera_'
  const clock = options.clock ?? Date
  const sweepBatchSize = options.sweepBatchSize ?? 1000
  const owned = options.database === undefined
  const db = options.database ?? openDatabase(options.path, options.busyTimeoutMs ?? 5000)
  const wrapRead = <T>(read: () => T): Promise<T> => {
    try {
      return Promise.resolve(read())
    } catch (cause) {
      return Promise.reject(
        new TesseraError('ERR_STORE_UNAVAILABLE', 'sqlite read failed', { cause }),
      )
    }
  }

  let q: ReturnType<typeof prepareStatements>
  try {
    migrateSqlite(db, prefix)
    q = prepareStatements(db, prefix)
  } catch (cause) {
    if (owned) db.close()
    if (cause instanceof TesseraError) throw cause
    throw new TesseraError('ERR_STORE_UNAVAILABLE', 'sqlite schema migration failed', { cause })
  }
  const writes = createGroupCommit(
    { begin: () => q.begin.run(), commit: () => q.commit.run(), rollback: () => q.rollback.run() },
    'sqlite',
  )
  const changes = (result: { changes: number | bigint }) => Number(result.changes)
  const deleteExpiredBatches = async (statement: SqliteStatement, now: number) => {
    let total = 0
    for (;;) {
      const deleted = await writes.run(() => changes(statement.run(now, sweepBatchSize)))
      total += deleted
      if (deleted < sweepBatchSize) return total
    }
  }

  const sweep = async () => {
    const now = clock.now()
    await deleteExpiredBatches(q.deleteExpiredSessions, now)
    await deleteExpiredBatches(q.deleteExpiredTokens, now)
  }
  const timer = setInterval(
    () => {
      // A failed sweep is retried at the next interval; the store's reads never return expired rows.
      sweep().catch(() => undefined)
    },
    (options.sweepIntervalSeconds ?? 60) * 1000,
  )
  timer.unref()

  return {
    sessions: {
      get: (idHash) =>
        wrapRead(() => {
          const row = q.getSession.get(idHash, clock.now()) as SessionRow | undefined
          return row === undefined ? null : toSessionRecord(row)
        }),
      create(record) {
        const values = sessionValues(record)
        return writes.run(() => {
          q.createSession.run(record.idHash, ...values)
        })
      },
      replace(record, expectedVersion) {
        const values = sessionValues(record)
        return writes.run(
          () =>
            changes(
              q.replaceSession.run(...values, record.idHash, expectedVersion, clock.now()),
            ) === 1,
        )
      },
      touch: (idHash, lastSeenAt, expiresAt) =>
        writes.run(() => {
          q.touchSession.run(lastSeenAt, expiresAt, idHash, clock.now())
        }),
      delete: (idHash) =>
        writes.run(() => {
          q.deleteSession.run(idHash)
        }),
      listByUser: (userId) =>
        wrapRead(() =>
          (q.listByUser.all(userId, clock.now()) as SessionRow[]).map(toSessionRecord),
        ),
      deleteByUser: (userId, exceptIdHash) =>
        writes.run(() => changes(q.deleteByUser.run(userId, exceptIdHash ?? null, clock.now()))),
      deleteExpired: (now) => deleteExpiredBatches(q.deleteExpiredSessions, now),
    },
    refreshTokens: {
      insert: (r) =>
        writes.run(() => {
          q.insertToken.run(
            r.idHash,
            r.familyId,
            r.userId,
            r.createdAt,
            r.expiresAt,
            r.usedAt,
            r.revokedAt,
          )
        }),
      use: (idHash, now) =>
        writes.run(() => {
          const row = q.getToken.get(idHash, now) as TokenRow | undefined
          if (row === undefined) return null
          if (row.used_at === null) q.markTokenUsed.run(now, idHash)
          return toTokenRecord(row)
        }),
      revokeFamily: (familyId, now) => writes.run(() => changes(q.revokeFamily.run(now, familyId))),
      deleteExpired: (now) => deleteExpiredBatches(q.deleteExpiredTokens, now),
    },
    async close() {
      clearInterval(timer)
      writes.close()
      if (owned) db.close()
    },
  }
}

const SESSION_COLUMNS =
  'user_id, data, version, created_at, authenticated_at, last_seen_at, expires_at, ip, user_agent'

/** Every statement the store runs, prepared once. */
function prepareStatements(db: SqliteDatabase, prefix: string) {
  const prepare = (text: string) => db.prepare(text.replaceAll('{p}', prefix))
  return {
    begin: prepare('BEGIN IMMEDIATE'),
    commit: prepare('COMMIT'),
    rollback: prepare('ROLLBACK'),
    getSession: prepare(
      `SELECT id_hash, ${SESSION_COLUMNS} FROM {p}sessions WHERE id_hash = ? AND expires_at > ?`,
    ),
    createSession: prepare(
      `INSERT OR REPLACE INTO {p}sessions (id_hash, ${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    replaceSession: prepare(
      `UPDATE {p}sessions SET user_id = ?, data = ?, version = ?, created_at = ?, authenticated_at = ?,
        last_seen_at = ?, expires_at = ?, ip = ?, user_agent = ?
        WHERE id_hash = ? AND version = ? AND expires_at > ?`,
    ),
    touchSession: prepare(
      'UPDATE {p}sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ? AND expires_at > ?',
    ),
    deleteSession: prepare('DELETE FROM {p}sessions WHERE id_hash = ?'),
    listByUser: prepare(
      `SELECT id_hash, ${SESSION_COLUMNS} FROM {p}sessions WHERE user_id = ? AND expires_at > ?`,
    ),
    deleteByUser: prepare(
      'DELETE FROM {p}sessions WHERE user_id = ? AND id_hash IS NOT ? AND expires_at > ?',
    ),
    deleteExpiredSessions: prepare(
      `DELETE FROM {p}sessions WHERE id_hash IN
        (SELECT id_hash FROM {p}sessions WHERE expires_at <= ? LIMIT ?)`,
    ),
    insertToken: prepare(
      `INSERT OR REPLACE INTO {p}refresh_tokens
        (id_hash, family_id, user_id, created_at, expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getToken: prepare('SELECT * FROM {p}refresh_tokens WHERE id_hash = ? AND expires_at > ?'),
    markTokenUsed: prepare('UPDATE {p}refresh_tokens SET used_at = ? WHERE id_hash = ?'),
    revokeFamily: prepare(
      'UPDATE {p}refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
    ),
    deleteExpiredTokens: prepare(
      `DELETE FROM {p}refresh_tokens WHERE id_hash IN
        (SELECT id_hash FROM {p}refresh_tokens WHERE expires_at <= ? LIMIT ?)`,
    ),
  }
}
