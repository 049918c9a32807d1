// The refresh-token half of the PostgreSQL store.
import type { PostgresTables } from './postgres-schema.js'
import { sweep, type Query } from './postgres-query.js'
import type { RefreshTokenRecord, RefreshTokenStore } from './store.js'

/** The refresh tokens of `createPostgresStore`. */
export function createPostgresRefreshTokens(
  query: Query,
  t: PostgresTables,
  batchSize: number,
): RefreshTokenStore {
  return {
    async insert(r) {
      await query(
        'insert',
        `INSERT INTO ${t.refreshTokens}
           (id_hash, family_id, user_id, created_at, expires_at, used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id_hash) DO NOTHING`,
        [r.idHash, r.familyId, r.userId, r.createdAt, r.expiresAt, r.usedAt, r.revokedAt],
      )
    },

    // The CTE locks the row (FOR UPDATE) and keeps its state from before the UPDATE; a second
    // concurrent call waits for the lock, then re-reads the row and sees it used.
    async use(idHash, at) {
      const result = await query(
        'use',
        `WITH old AS (
           SELECT * FROM ${t.refreshTokens} WHERE id_hash = $1 AND expires_at > $2 FOR UPDATE)
         UPDATE ${t.refreshTokens} AS rt SET used_at = COALESCE(rt.used_at, $2)
         FROM old WHERE rt.id_hash = old.id_hash
         RETURNING old.id_hash, old.family_id, old.user_id, old.created_at, old.expires_at,
           old.used_at, old.revoked_at`,
        [idHash, at],
      )
      const row = result.rows[0]
      return row === undefined ? null : decodeToken(row)
    },

    async revokeFamily(familyId, at) {
      const result = await query(
        'revokeFamily',
        `UPDATE ${t.refreshTokens} SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`,
        [familyId, at],
      )
      return result.rowCount ?? 0
    },

    deleteExpired: (at) => sweep(query, t.refreshTokens, at, batchSize),
  }
}

function decodeToken(row: Record<string, unknown>): RefreshTokenRecord {
  return {
    idHash: row.id_hash as string,
    familyId: row.family_id as string,
    userId: row.user_id as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  }
}
