// Every label under which a key is derived from the session secrets, in one place: a label is
// part of the format of what a browser holds (a seal, a token, a handle), so changing one logs
// everyone out, and two purposes must never share one.
import { deriveKey } from '../crypto/aead.js'
import { hmacBase64url } from '../crypto/hmac.js'
import { secretKeyObject, toKeyring, type Keyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'

/** The purpose a cookie carrier's seal is bound to (with the cookie name). */
export const COOKIE_CARRIER_PURPOSE = 'tessera-session/cookie-carrier/v1'
/** The HKDF label of the token carrier's derived HS256 access-token keys. */
const ACCESS_TOKEN_PURPOSE = 'tessera/token-carrier/v1 access-token'
/** The HKDF label of the key that makes "your sessions" handles. */
const HANDLE_PURPOSE = 'tessera/session-handle/v1'
/** The HKDF label of the CSRF token keys. */
export const CSRF_PURPOSE = 'tessera/csrf/v1'
/** The HKDF label of the keys of a visitor's stateless CSRF token (pre-session cookie). */
export const ANONYMOUS_CSRF_PURPOSE = 'tessera/csrf-pre-session/v1'
/** The HKDF label of the key that derives a refresh token's successor from it. */
export const REFRESH_SUCCESSOR_PURPOSE = 'tessera/refresh-successor/v1'

const HANDLE_LENGTH = 22 // 132 bits of the HMAC: unguessable, and not the id or its hash

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
