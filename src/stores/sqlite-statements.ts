// The SQL side of the SQLite store: the driver's shape, row mapping, migration and statements.
import { TesseraError } from '../errors.js'
import { SQLITE_META_TABLE, SQLITE_MIGRATIONS } from './schema/sqlite.js'
import { lifetimeColumn, lifetimeField } from './lifetime-column.js'
import type { RefreshTokenRecord, SessionRecord } from './store.js'

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

/** A row of `{p}sessions` as better-sqlite3 returns it. */
export interface SessionRow {
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
  /** `SessionRecord.maxAgeSeconds` (lifetime-column.ts); NULL in rows older than the column. */
  max_age_seconds: number | null
}

/** A row of `{p}refresh_tokens` as better-sqlite3 returns it. */
export interface TokenRow {
  id_hash: string
  family_id: string
  user_id: string
  created_at: number
  expires_at: number
  used_at: number | null
  revoked_at: number | null
}

/** The record a session row holds; `data` is parsed afresh, so it is the caller's copy. */
export function toSessionRecord(row: SessionRow): SessionRecord {
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
    ...lifetimeField(row.max_age_seconds),
  }
}

/** The record a refresh-token row holds. */
export function toTokenRecord(row: TokenRow): RefreshTokenRecord {
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
export function sessionValues(r: SessionRecord): unknown[] {
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
    lifetimeColumn(r),
  ]
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

const SESSION_COLUMNS =
  'user_id, data, version, created_at, authenticated_at, last_seen_at, expires_at, ip, user_agent, max_age_seconds'

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: SqliteDatabase, prefix: string) {
  const prepare = (text: string) => db.prepare(text.replaceAll('{p}', prefix))
  return {
    begin: prepare('BEGIN IMMEDIATE'),
    commit: prepare('COMMIT'),
    rollback: prepare('ROLLBACK'),
    getSession: prepare(
      `SELECT id_hash, ${SESSION_COLUMNS} FROM {p}sessions WHERE id_hash = ? AND expires_at > ?`,
    ),
    createSession: prepare(
      `INSERT OR REPLACE INTO {p}sessions (id_hash, ${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    replaceSession: prepare(
      `UPDATE {p}sessions SET user_id = ?, data = ?, version = ?, created_at = ?, authenticated_at = ?,
        last_seen_at = ?, expires_at = ?, ip = ?, user_agent = ?, max_age_seconds = ?
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
      `DELETE FROM {p}sessions WHERE rowid IN
        (SELECT rowid FROM {p}sessions WHERE expires_at <= ? LIMIT ?)`,
    ),
    insertToken: prepare(
      `INSERT OR IGNORE INTO {p}refresh_tokens
        (id_hash, family_id, user_id, created_at, expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getToken: prepare('SELECT * FROM {p}refresh_tokens WHERE id_hash = ? AND expires_at > ?'),
    markTokenUsed: prepare('UPDATE {p}refresh_tokens SET used_at = ? WHERE id_hash = ?'),
    revokeFamily: prepare(
      'UPDATE {p}refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
    ),
    deleteExpiredTokens: prepare(
      `DELETE FROM {p}refresh_tokens WHERE rowid IN
        (SELECT rowid FROM {p}refresh_tokens WHERE expires_at <= ? LIMIT ?)`,
    ),
  }
}
