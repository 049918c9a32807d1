// Checks of what a browser holds, made with the session keys exactly as each carrier makes them.
// Serving requests never needs these; support pages and operator tools do (the reference app's
// /inspect page, `tessera inspect`, `tessera sessions`), and they must not copy the carriers'
// key-derivation labels to do it.
import { sha256 } from '../crypto/hash.js'
import { toKeyring, type KeyInput, type Keyring } from '../crypto/keyring.js'
import { unsealValue, type UnsealedValue } from '../cookie/sealed.js'
import { verifyJwt, type VerifiedJwt, type VerifyJwtOptions } from '../jwt/verify.js'
import { accessTokenKeys, COOKIE_CARRIER_PURPOSE, sessionHandleFunction } from './carrier-keys.js'

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
