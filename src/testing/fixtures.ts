// Records for the conformance suite. Ids only need to be distinct, not secret, so Math.random
// is enough here (and src/testing may not import node:crypto).
import type { RefreshTokenRecord, SessionRecord } from '../stores/store.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A distinct 43-character base64url string, shaped like a SHA-256 id hash. */
export function fakeIdHash(): string {
  let out = ''
  for (let i = 0; i < 43; i++) out += ALPHABET[Math.floor(Math.random() * 64)]
  return out
}

/** A namespace unique to one store: starts with a letter, then [a-z0-9], 14 characters. */
export function fakeNamespace(): string {
  let out = 't'
  for (let i = 0; i < 13; i++) out += ALPHABET[26 + Math.floor(Math.random() * 26)]
  return out.toLowerCase()
}

const HOUR_MS = 3_600_000

/** A live session record (expires in an hour from the real clock), with `overrides` applied. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    idHash: fakeIdHash(),
    userId: 'user-1',
    data: { username: 'alice', count: 3 },
    version: 1,
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + HOUR_MS,
    meta: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (conformance)' },
    ...overrides,
  }
}

/** An unused, unrevoked refresh token record (live for an hour), with `overrides` applied. */
export function refreshTokenRecord(
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  const now = Date.now()
  return {
    idHash: fakeIdHash(),
    familyId: 'family-1',
    userId: 'user-1',
    createdAt: now,
    expiresAt: now + HOUR_MS,
    usedAt: null,
    revokedAt: null,
    ...overrides,
  }
}

/** The id hashes of `records`, sorted, for order-independent comparison. */
export function sortedIds(records: readonly { idHash: string }[]): string[] {
  return records.map((r) => r.idHash).sort()
}
