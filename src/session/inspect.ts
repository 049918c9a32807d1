// Checks of what a browser holds, made with the session keys exactly as each carrier makes them.
// Serving requests never needs these; support pages and operator tools do (the reference app's
// /inspect page, `tessera inspect`, `tessera sessions`), and they must not copy the carriers'
// key-derivation labels to do it.
import { deriveKey } from '../crypto/aead.js'
import { sha256 } from '../crypto/hash.js'
import { hmacBase64url } from '../crypto/hmac.js'
import { secretKeyObject, toKeyring, type KeyInput, type Keyring } from '../crypto/keyring.js'
import { unsealValue, type UnsealedValue } from '../cookie/sealed.js'
import { verifyJwt, type VerifiedJwt, type VerifyJwtOptions } from '../jwt/verify.js'
import { TesseraError } from '../errors.js'
import { COOKIE_CARRIER_PURPOSE } from './carriers/cookie/cookie-carrier.js'

const HANDLE_PURPOSE = 'tessera/session-handle/v1'
const HANDLE_LENGTH = 22 // 132 bits of the HMAC: unguessable, and not the id or its hash
const ACCESS_TOKEN_PURPOSE = 'tessera/token-carrier/v1 access-token'

/**
 * The handle "your sessions" shows for a record: an HMAC of its id hash under a key derived from
 * the newest session secret. It names a session without revealing its id or the id's hash.
 */
export function sessionHandleFunction(keyring: Keyring): (idHash: string) => string {
  const secret = keyring.secrets[0]?.secret ?? null
  if (secret === null) {
    throw new TesseraError('ERR_KEY_INVALID', 'keys must hold at least one session secret')
  }
  const key = secretKeyObject(deriveKey(secret, HANDLE_PURPOSE))
  return (idHash) => hmacBase64url('sha256', key, idHash).slice(0, HANDLE_LENGTH)
}

/**
 * The token carrier's HS256 access-token keys: one per session secret, with the same ids, derived
 * with HKDF for this one purpose (KM-6), so rotating the session keys rotates these too.
 */
export function accessTokenKeys(keyring: Keyring): Keyring {
  return toKeyring(
    keyring.secrets.map((entry) => ({
      id: entry.id,
      alg: 'HS256' as const,
      key: deriveKey(entry.secret as Buffer, ACCESS_TOKEN_PURPOSE),
    })),
  )
}

/**
 * The store key of a server-carrier session id (SHA-256, base64url): what the store holds instead
 * of the id, so an operator can look a session id up without the store ever holding one.
 *
 * @example
 * const record = await store.sessions.get(sessionIdHash(sessionId))
 */
export function sessionIdHash(id: string): string {
  return sha256(id)
}

/** Checks of cookie values and tokens against the session keys; see `createSessionInspector`. */
export interface SessionInspector {
  /** The handle "your sessions" shows for a record with this id hash. */
  handleOf(idHash: string): string
  /**
   * Verifies a token-carrier access token: its HS256 signature under the derived keys, then its
   * claims (`exp` at least). Throws `TesseraError` as `verifyJwt` does.
   */
  verifyAccessToken(token: string, options?: VerifyJwtOptions): VerifiedJwt
  /**
   * Opens one cookie-carrier seal made for the cookie `name` (default `tessera`; a `__Host-` or
   * `__Secure-` prefix is ignored, as the carrier binds the base name). Returns null when it
   * does not open: tampered, truncated, for another name, or sealed with another key. An expired
   * seal is returned with its `expiresAt`, so a caller can say it was genuine but expired.
   */
  openSealedCookie(value: string, name?: string): UnsealedValue | null
}

/**
 * Checks of what a browser holds, made with the session keys exactly as each carrier makes them:
 * for support pages and operator tools, never needed to serve requests. Give it the same `keys`
 * as the session middleware.
 *
 * @example
 * const inspector = createSessionInspector(keys)
 * const opened = inspector.openSealedCookie(req.cookies.tessera ?? '')
 * const claims = opened === null ? null : JSON.parse(opened.value)
 */
export function createSessionInspector(keys: Keyring | readonly KeyInput[]): SessionInspector {
  const keyring = toKeyring(keys)
  const handleOf = sessionHandleFunction(keyring)
  const jwtKeys = accessTokenKeys(keyring)
  return {
    handleOf,
    verifyAccessToken: (token, options = {}) => verifyJwt(token, jwtKeys, options),
    openSealedCookie: (value, name = 'tessera') =>
      unsealValue(value, keyring, {
        name: name.replace(/^__(Host|Secure)-/, ''),
        purpose: COOKIE_CARRIER_PURPOSE,
        now: 0,
      }),
  }
}
