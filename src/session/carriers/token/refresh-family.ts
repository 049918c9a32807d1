// Refresh-token families (RFC 9700 §4.14.2): a family starts at login, every use of a token
// rotates it to a new one in the same family, and a token used a second time, outside a short
// grace window, revokes the whole family.
import { sha256 } from '../../../crypto/hash.js'
import { randomId } from '../../../crypto/random.js'
import { TesseraError } from '../../../errors.js'
import type { RefreshTokenStore } from '../../../stores/store.js'

const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** A refresh token as handed to the client, with what the server knows about it. */
export interface IssuedRefreshToken {
  /** The opaque token (43 base64url characters, 256 bits). Only its SHA-256 is stored. */
  readonly token: string
  readonly familyId: string
  readonly userId: string
  /** Epoch ms; the family's absolute deadline, which no rotation moves. */
  readonly expiresAt: number
}

/** What a reuse of a refresh token revoked, for the security event. */
export interface RefreshReuse {
  readonly familyId: string
  readonly userId: string
  /** How many tokens of the family were revoked. */
  readonly revokedCount: number
}

/** Options of `rotateRefreshToken`. */
export interface RotateRefreshTokenOptions {
  /** The current instant, epoch ms. */
  readonly now: number
  /**
   * A token used again less than this many seconds after its first use still rotates (to a
   * sibling in the same family): two tabs that refresh at once both succeed.
   */
  readonly graceSeconds: number
  /** Heard before `ERR_REFRESH_TOKEN_REUSED` is thrown, after the family has been revoked. */
  readonly onReuse?: ((reuse: RefreshReuse) => void) | undefined
}

/**
 * Issues a new, unused refresh token in `familyId` (a new family at login, or the next token of
 * a rotation) and stores its SHA-256.
 */
export async function issueRefreshToken(
  store: RefreshTokenStore,
  family: { familyId: string; userId: string; now: number; expiresAt: number },
): Promise<IssuedRefreshToken> {
  const token = randomId()
  await store.insert({
    idHash: sha256(token),
    familyId: family.familyId,
    userId: family.userId,
    createdAt: family.now,
    expiresAt: family.expiresAt,
    usedAt: null,
    revokedAt: null,
  })
  return { token, familyId: family.familyId, userId: family.userId, expiresAt: family.expiresAt }
}

/**
 * Uses `token` once and returns its successor in the same family, which keeps the family's
 * absolute deadline. Throws `ERR_TOKEN_MALFORMED` for a value of the wrong shape,
 * `ERR_REFRESH_TOKEN_INVALID` for an unknown, expired or revoked token, and
 * `ERR_REFRESH_TOKEN_REUSED` (after revoking every token of its family) for a token already used
 * more than `graceSeconds` ago.
 *
 * @example
 * const next = await rotateRefreshToken(store.refreshTokens, presented, { now, graceSeconds: 5 })
 */
export async function rotateRefreshToken(
  store: RefreshTokenStore,
  token: string,
  options: RotateRefreshTokenOptions,
): Promise<IssuedRefreshToken> {
  if (!REFRESH_TOKEN_SHAPE.test(token)) {
    throw new TesseraError('ERR_TOKEN_MALFORMED', 'refresh token must be 43 base64url characters')
  }
  const { now } = options
  const record = await store.use(sha256(token), now)
  if (record === null || record.revokedAt !== null || record.expiresAt <= now) {
    throw new TesseraError(
      'ERR_REFRESH_TOKEN_INVALID',
      'refresh token is unknown, expired or revoked',
    )
  }
  if (record.usedAt !== null && now - record.usedAt > options.graceSeconds * 1000) {
    const revokedCount = await store.revokeFamily(record.familyId, now)
    options.onReuse?.({ familyId: record.familyId, userId: record.userId, revokedCount })
    throw new TesseraError(
      'ERR_REFRESH_TOKEN_REUSED',
      'refresh token was already used; its family has been revoked',
    )
  }
  return issueRefreshToken(store, {
    familyId: record.familyId,
    userId: record.userId,
    now,
    expiresAt: record.expiresAt,
  })
}

/** Revokes every token of a family (logout, revoke, logout everywhere); returns how many. */
export async function revokeRefreshFamily(
  store: RefreshTokenStore,
  familyId: string,
  now: number,
): Promise<number> {
  return store.revokeFamily(familyId, now)
}
