// Records for store tests that need more than the conformance suite (Cluster, outages, adapters).
import { randomBytes } from 'node:crypto'
import type { RefreshTokenRecord, SessionRecord } from '../../src/stores/store.js'

/** A random base64url id hash, as the session layer would store it. */
export function randomIdHash(): string {
  return randomBytes(32).toString('base64url')
}

/** A live session record of `userId`, expiring in an hour unless overridden. */
export function sessionRecord(
  userId: string | null,
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  const now = Date.now()
  return {
    idHash: randomIdHash(),
    userId,
    data: { n: 0, name: 'Zoë ☃ 🍪' },
    version: 1,
    createdAt: now,
    authenticatedAt: userId === null ? null : now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    meta: { ip: '127.0.0.1', userAgent: 'test' },
    ...overrides,
  }
}

/** An unused refresh token of `familyId`, expiring in an hour. */
export function refreshTokenRecord(familyId: string, userId = 'u1'): RefreshTokenRecord {
  const now = Date.now()
  return {
    idHash: randomIdHash(),
    familyId,
    userId,
    createdAt: now,
    expiresAt: now + 3_600_000,
    usedAt: null,
    revokedAt: null,
  }
}
