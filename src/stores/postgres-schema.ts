// Table definitions and migrations of the PostgreSQL store. Instants are bigint epoch ms;
// session data and meta are JSON text (not jsonb: jsonb rejects "\u0000" in strings and
// rewrites numbers, and the store must give back exactly what it was given).
import { invalidOption } from '../options.js'

/** Quoted identifiers of the store's tables, checked once at startup. */
export interface PostgresTables {
  readonly schema: string
  readonly sessions: string
  readonly refreshTokens: string
  readonly migrations: string
  /** A stable number for pg_advisory_xact_lock, so that concurrent migrations queue. */
  readonly lockKey: number
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/

/** Validates and quotes the schema and table names; only `[a-z_][a-z0-9_]*` is accepted. */
export function postgresTables(schema: string, table: string): PostgresTables {
  for (const [name, value] of [
    ['schema', schema],
    ['table', table],
  ] as const) {
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
      invalidOption(
        name,
        `an identifier matching ${IDENTIFIER.source} (lowercase letters, digits, underscores)`,
        value,
      )
    }
  }
  const q = (name: string) => `"${schema}"."${name}"`
  let lockKey = 0x7e55
  for (const ch of `${schema}.${table}`) lockKey = (lockKey * 31 + ch.charCodeAt(0)) | 0
  return {
    schema: `"${schema}"`,
    sessions: q(`${table}_sessions`),
    refreshTokens: q(`${table}_refresh_tokens`),
    migrations: q(`${table}_migrations`),
    lockKey,
  }
}

/**
 * How far a session's sweep_at may trail its expires_at before a write moves it (and so updates
 * the sweep index): a session written on every request rewrites the index at most once per
 * window, and each sweep looks at the rows that expire within the window without deleting them.
 */
export const SWEEP_SLACK_MS = 5 * 60_000

/**
 * The value of sweep_at after a write that sets expires_at to `expiresAt` (an SQL expression):
 * kept while it is at most SWEEP_SLACK_MS below the new expiry, otherwise the expiry itself. Never
 * above expires_at, so every expired row is a sweep candidate.
 */
export function sweepAt(expiresAt: string): string {
  return `CASE WHEN sweep_at <= ${expiresAt} AND sweep_at > ${expiresAt} - ${SWEEP_SLACK_MS}
    THEN sweep_at ELSE ${expiresAt} END`
}

/** Ordered migrations; a deployed migration is never edited, only followed by a new one. */
export function postgresMigrations(t: PostgresTables, table: string): string[][] {
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${t.sessions} (
        id_hash text PRIMARY KEY,
        user_id text,
        data text NOT NULL,
        version bigint NOT NULL,
        created_at bigint NOT NULL,
        authenticated_at bigint,
        last_seen_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        meta text NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS "${table}_sessions_user_id" ON ${t.sessions} (user_id)
        WHERE user_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS "${table}_sessions_expires_at" ON ${t.sessions} (expires_at)`,
      `CREATE TABLE IF NOT EXISTS ${t.refreshTokens} (
        id_hash text PRIMARY KEY,
        family_id text NOT NULL,
        user_id text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        used_at bigint,
        revoked_at bigint
      )`,
      `CREATE INDEX IF NOT EXISTS "${table}_refresh_tokens_family_id"
        ON ${t.refreshTokens} (family_id)`,
      `CREATE INDEX IF NOT EXISTS "${table}_refresh_tokens_expires_at"
        ON ${t.refreshTokens} (expires_at)`,
    ],
    // 2: the lifetime chosen at login (SessionRecord.maxAgeSeconds, see lifetime-column.ts).
    // Existing rows read as NULL: no lifetime chosen, as they were written.
    [`ALTER TABLE ${t.sessions} ADD COLUMN IF NOT EXISTS max_age_seconds bigint`],
    // 3: the sweep finds expired sessions by sweep_at, a lower bound of expires_at that writes
    // move only now and then (see SWEEP_SLACK_MS), instead of by expires_at, which nearly every
    // write moves. An UPDATE that changes no indexed column is a HOT update: the row's new
    // version goes on the same page and no index gets a new entry; one that moves an indexed
    // column adds an entry to every index of the table. Rows written by an older tessera during
    // a rolling upgrade have sweep_at NULL, which the sweep also takes.
    [
      `ALTER TABLE ${t.sessions} ADD COLUMN IF NOT EXISTS sweep_at bigint`,
      `UPDATE ${t.sessions} SET sweep_at = expires_at WHERE sweep_at IS NULL`,
      `CREATE INDEX IF NOT EXISTS "${table}_sessions_sweep_at" ON ${t.sessions} (sweep_at)`,
      `DROP INDEX IF EXISTS ${t.schema}."${table}_sessions_expires_at"`,
    ],
  ]
}
