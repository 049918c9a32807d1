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
  ]
}
