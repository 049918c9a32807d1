// Refresh-token families (RFC 9700 §4.14.2): a family starts at login, every use of a token
// rotates it to a new one in the same family, and a token used a second time, outside a short
// grace window, revokes the whole family. The successor of a token is derived from it under a
// server key (HMAC), so every use inside the grace window, however concurrent, gets the one
// successor already issued: the family never forks into two live chains.
import { deriveKey } from '../../../crypto/aead.js'
import { encodeBase64url } from '../../../crypto/base64url.js'
import { sha256 } from '../../../crypto/hash.js'
import { hmacSha256 } from '../../../crypto/hmac.js'
import { secretKeyObject, type Keyring } from '../../../crypto/keyring.js'

/** A derived secret key, as `secretKeyObject` makes it. */
export type SuccessorKey = ReturnType<typeof secretKeyObject>
import { randomId } from '../../../crypto/random.js'
import { TesseraError } from '../../../errors.js'
import { REFRESH_SUCCESSOR_PURPOSE } from '../../carrier-keys.js'
import type { RefreshTokenStore } from '../../../stores/store.js'

/**
 * The key that derives each refresh token's successor: HKDF of the keyring's newest secret for
 * this one purpose. Only the server can compute a successor, and only from the token itself.
 */
export function refreshSuccessorKey(keyring: Keyring): SuccessorKey {
  const secret = keyring.secrets[0]?.secret
  if (secret == null) {
    throw new TesseraError('ERR_KEY_INVALID', 'keys must include at least one secret (no alg)')
  }
  return secretKeyObject(deriveKey(secret, REFRESH_SUCCESSOR_PURPOSE))
}

/** The successor of `token`: HMAC-SHA256 under the successor key, 43 base64url characters. */
function successorOf(token: string, key: SuccessorKey): string {
  return encodeBase64url(hmacSha256(key, token))
}

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
   * A token used again less than this many seconds after its first use gets the same successor
   * as the first use (two tabs that refresh at once both succeed, on one chain); from then on a
   * reuse revokes the family. 0: any second use does.
   */
  readonly graceSeconds: number
  /** From `refreshSuccessorKey`: derives the one successor every use of a token gets. */
  readonly successorKey: SuccessorKey
  /** Heard before `ERR_REFRESH_TOKEN_REUSED` is thrown, after the family has been revoked. */
  readonly onReuse?: ((reuse: RefreshReuse) => void) | undefined
}

/**
 * Issues a new, unused refresh token in `familyId` (a new family at login: a random token; or
 * the successor of a rotation, given as `token`) and stores its SHA-256. Storing a token already
 * stored leaves it as it is (the store's `insert` never replaces).
 */
export async function issueRefreshToken(
  store: RefreshTokenStore,
  family: { familyId: string; userId: string; now: number; expiresAt: number },
  token: string = randomId(),
): Promise<IssuedRefreshToken> {
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
 * Uses `token` and returns its successor in the same family, which keeps the family's absolute
 * deadline. The successor is derived from `token` (HMAC under `successorKey`), so a use inside the
 * grace window, concurrent or not, gets the very successor the first use issued: one chain, never
 * two. Throws `ERR_TOKEN_MALFORMED` for a value of the wrong shape, `ERR_REFRESH_TOKEN_INVALID`
 * for an unknown, expired or revoked token, and `ERR_REFRESH_TOKEN_REUSED` (after revoking every
 * token of its family) for a token first used `graceSeconds` ago or more.
 *
 * @example
 * const successorKey = refreshSuccessorKey(keyring)
 * const next = await rotateRefreshToken(store.refreshTokens, presented, {
 *   now, graceSeconds: 5, successorKey,
 * })
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
  if (record.usedAt !== null && now - record.usedAt >= options.graceSeconds * 1000) {
    const revokedCount = await store.revokeFamily(record.familyId, now)
    options.onReuse?.({ familyId: record.familyId, userId: record.userId, revokedCount })
    throw new TesseraError(
      'ERR_REFRESH_TOKEN_REUSED',
      'refresh token was already used; its family has been revoked',
    )
  }
  return issueRefreshToken(
    store,
    { familyId: record.familyId, userId: record.userId, now, expiresAt: record.expiresAt },
    successorOf(token, options.successorKey),
  )
}

/** Revokes every token of a family (logout, revoke, logout everywhere); returns how many. */
export async function revokeRefreshFamily(
  store: RefreshTokenStore,
  familyId: string,
  now: number,
): Promise<number> {
  return store.revokeFamily(familyId, now)
}
