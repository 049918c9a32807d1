// tessera/stores/sqlite: the embedded default. Sessions survive a restart; concurrent writes are
// committed together (group commit) and acknowledged only once committed.
import type { Clock } from '../clock.js'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { TesseraError } from '../errors.js'
import {
  intervalSeconds,
  MAX_TIMER_SECONDS,
  positiveInteger,
  rejectUnknown,
  stringOption,
} from '../options.js'
import { createGroupCommit } from './group-commit.js'
import type { GroupCommit } from './group-commit.js'
import {
  migrateSqlite,
  prepareStatements,
  sessionValues,
  toSessionRecord,
  toTokenRecord,
} from './sqlite-statements.js'
import type { SessionRow, SqliteDatabase, SqliteStatement, TokenRow } from './sqlite-statements.js'
import type { RefreshTokenStore, SessionStore, Store } from './store.js'
import { withSync } from './sync.js'

export type { SqliteDatabase, SqliteStatement } from './sqlite-statements.js'
export { migrateSqlite } from './sqlite-statements.js'

interface CommonOptions {
  /** Prefix of the store's table names, for several stores in one database; default `'tessera_'`. */
  readonly prefix?: string
  /** How often expired rows are swept (an unref'd timer); `0` turns it off; default 60. */
  readonly sweepIntervalSeconds?: number
  /** Rows deleted per sweep transaction, so a sweep never holds the write lock for long; default 1000. */
  readonly sweepBatchSize?: number
  /** Where "now" comes from when deciding what has expired; default `Date.now`. */
  readonly clock?: Clock
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

const SQLITE_OPTIONS = [
  'path',
  'database',
  'busyTimeoutMs',
  'prefix',
  'sweepIntervalSeconds',
  'sweepBatchSize',
  'clock',
]

const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,48}$/

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
    if (file !== ':memory:') createPrivateFile(file)
    const db = new Database(file)
    // WAL: readers never block the writer. synchronous=NORMAL in WAL syncs at checkpoints, not at
    // each commit: a committed write survives a crash of the process, not a power loss.
    db.exec(
      `PRAGMA busy_timeout = ${busyTimeoutMs}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL`,
    )
    if (file !== ':memory:') restrictSidecars(file)
    return db
  } catch (cause) {
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `cannot open the sqlite database "${file}"`, {
      cause,
    })
  }
}

/**
 * Creates `file` readable and writable by its owner only (0600), and its missing directories
 * 0700, whatever the process umask: the database holds session records, which no other local
 * user should read. SQLite gives the -wal and -shm files the database file's mode.
 */
function createPrivateFile(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 })
  closeSync(openSync(file, 'a', 0o600))
  chmodSync(file, 0o600)
}

/** Makes the WAL and shared-memory files 0600 too, should they exist with a wider mode. */
function restrictSidecars(file: string): void {
  for (const sidecar of [`${file}-wal`, `${file}-shm`]) {
    if (existsSync(sidecar)) chmodSync(sidecar, 0o600)
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
  if (options.path !== undefined) stringOption(options, 'path', '', { maxLength: 4096 })
  stringOption(options, 'prefix', 'tessera_', {
    pattern: PREFIX_PATTERN,
    shape: `a table-name prefix matching ${PREFIX_PATTERN} (letters, digits, underscores)`,
  })
  intervalSeconds(options, 'sweepIntervalSeconds', 60)
  positiveInteger(options, 'sweepBatchSize', 1000, MAX_TIMER_SECONDS)
  if ('busyTimeoutMs' in options) positiveInteger(options, 'busyTimeoutMs', 5000, MAX_TIMER_SECONDS)
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
  rejectUnknown(options, SQLITE_OPTIONS, 'createSqliteStore()', {
    filename: 'use path (the store opens the file) or database (an open better-sqlite3 database)',
  })
  checkOptions(options)
  const prefix = options.prefix ?? 'tessera_'
  const clock = options.clock ?? Date
  const sweepBatchSize = options.sweepBatchSize ?? 1000
  const owned = options.database === undefined
  const db = options.database ?? openDatabase(options.path, options.busyTimeoutMs ?? 5000)
  let closed = false
  const readNow = <T>(read: () => T): T => {
    if (closed) throw new TesseraError('ERR_STORE_UNAVAILABLE', 'sqlite store is closed')
    try {
      return read()
    } catch (cause) {
      throw new TesseraError('ERR_STORE_UNAVAILABLE', 'sqlite read failed', { cause })
    }
  }
  const wrapRead = <T>(read: () => T): Promise<T> => {
    try {
      return Promise.resolve(readNow(read))
    } catch (err) {
      return Promise.reject(err as Error)
    }
  }

  let q: Statements
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
  const sweepEvery = options.sweepIntervalSeconds ?? 60
  const timer =
    sweepEvery === 0
      ? undefined
      : setInterval(() => {
          // A failed sweep is retried at the next interval; reads never return expired rows.
          sweep().catch(() => undefined)
        }, sweepEvery * 1000).unref()

  const now = () => clock.now()
  return {
    sessions: sqliteSessions(q, writes, wrapRead, readNow, now, deleteExpiredBatches),
    refreshTokens: sqliteRefreshTokens(q, writes, deleteExpiredBatches),
    async close() {
      closed = true
      clearInterval(timer)
      writes.close()
      if (owned) db.close()
    },
    // The tables were created or checked when the store was made; this reads both once more.
    ready: () =>
      wrapRead(() => {
        for (const table of ['sessions', 'refresh_tokens']) {
          db.prepare(`SELECT 1 FROM ${prefix}${table} LIMIT 0`).all()
        }
      }),
  }
}

/** Rows a write changed, as a number. */
function changes(result: { changes: number | bigint }): number {
  return Number(result.changes)
}

type Statements = ReturnType<typeof prepareStatements>
type Read = <T>(read: () => T) => Promise<T>
type ReadNow = <T>(read: () => T) => T
type DeleteExpired = (statement: SqliteStatement, now: number) => Promise<number>

/** The session half: reads run at once, writes join the next group commit. */
function sqliteSessions(
  q: Statements,
  writes: GroupCommit,
  wrapRead: Read,
  readNow: ReadNow,
  now: () => number,
  deleteExpiredBatches: DeleteExpired,
): SessionStore {
  return {
    // A read answers at once, so it is also offered synchronously (stores/sync.ts); writes wait
    // for their group commit.
    get: withSync((idHash: string) =>
      readNow(() => {
        const row = q.getSession.get(idHash, now()) as SessionRow | undefined
        return row === undefined ? null : toSessionRecord(row)
      }),
    ),
    async create(record) {
      const values = sessionValues(record)
      return writes.run(() => {
        q.createSession.run(record.idHash, ...values)
      })
    },
    async replace(record, expectedVersion) {
      const values = sessionValues(record)
      return writes.run(
        () => changes(q.replaceSession.run(...values, record.idHash, expectedVersion, now())) === 1,
      )
    },
    touch: (idHash, lastSeenAt, expiresAt) =>
      writes.run(() => {
        q.touchSession.run(lastSeenAt, expiresAt, idHash, now())
      }),
    delete: (idHash) =>
      writes.run(() => {
        q.deleteSession.run(idHash)
      }),
    listByUser: (userId) =>
      wrapRead(() => (q.listByUser.all(userId, now()) as SessionRow[]).map(toSessionRecord)),
    deleteByUser: (userId, exceptIdHash) =>
      writes.run(() => changes(q.deleteByUser.run(userId, exceptIdHash ?? null, now()))),
    deleteExpired: (now) => deleteExpiredBatches(q.deleteExpiredSessions, now),
  }
}

/** The refresh-token half: `use` reads and marks in one write transaction, so it is atomic. */
function sqliteRefreshTokens(
  q: Statements,
  writes: GroupCommit,
  deleteExpiredBatches: DeleteExpired,
): RefreshTokenStore {
  return {
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
  }
}
