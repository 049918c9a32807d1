import type { RefreshTokenRecord, RefreshTokenStore } from '../../src/stores/store.js'

/** A minimal in-memory RefreshTokenStore for unit tests, with a count of `use` calls. */
export function fakeRefreshStore(): RefreshTokenStore & {
  records: Map<string, RefreshTokenRecord>
} {
  const records = new Map<string, RefreshTokenRecord>()
  return {
    records,
    async insert(record) {
      records.set(record.idHash, { ...record })
    },
    async use(idHash, now) {
      const record = records.get(idHash)
      if (record === undefined || record.expiresAt <= now) return null
      if (record.usedAt === null) records.set(idHash, { ...record, usedAt: now })
      return { ...record }
    },
    async revokeFamily(familyId, now) {
      let n = 0
      for (const [k, r] of records) {
        if (r.familyId === familyId && r.revokedAt === null) {
          records.set(k, { ...r, revokedAt: now })
          n++
        }
      }
      return n
    },
    async deleteExpired(now) {
      let n = 0
      for (const [k, r] of records) if (r.expiresAt <= now && records.delete(k)) n++
      return n
    },
  }
}
