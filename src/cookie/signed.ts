import { safeEqualSameLength } from '../crypto/hash.js'
import { hmacBase64url } from '../crypto/hmac.js'
import type { Keyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { MAX_COOKIE_HEADER_BYTES } from './codec.js'
import {
  checkBinding,
  createDerivedKeyCache,
  encodedKeyId,
  isWellFormed,
  primarySecret,
  secretsByEncodedId,
  type ValueBinding,
} from './value-keys.js'

/** Options of `signValue` and `verifyValue`: the cookie name and purpose the value is bound to. */
export type SignedValueOptions = ValueBinding

/** What `verifyValue` returns for a genuine value. */
export interface VerifiedValue {
  /** The value as it was signed. */
  readonly value: string
  /** The id of the key whose MAC matched. */
  readonly keyId: string
  /** True when that key is not the newest: re-sign the value and send it again. */
  readonly rotated: boolean
}

/** Length of the MAC on the wire: 32 bytes of HMAC-SHA256 in base64url without padding. */
const MAC_CHARS = 43
const hmacKey = createDerivedKeyCache('tessera/signed/v1')

/**
 * Signs `value` with the keyring's newest secret, bound to a cookie name and a purpose. The result
 * is `base64url(keyId) "." value "." base64url(mac)` (see docs/formats.md); it is readable by
 * anyone and is cookie-safe when `value` is. Throws `ERR_COOKIE_INVALID` for a name that is not a
 * token or a value that is not well-formed Unicode, `ERR_KEY_INVALID` for a keyring without secrets.
 *
 * @example
 * const signed = signValue(userId, keyring, { name: '__Host-uid', purpose: 'remember-me' })
 */
export function signValue(value: string, keyring: Keyring, options: SignedValueOptions): string {
  checkBinding(options)
  if (typeof value !== 'string' || !isWellFormed(value)) {
    throw new TesseraError('ERR_COOKIE_INVALID', 'a signed value must be a well-formed string')
  }
  const entry = primarySecret(keyring)
  const head = `${encodedKeyId(entry)}.${value}`
  const mac = hmacBase64url(
    'sha256',
    hmacKey(entry, options.purpose).key,
    `${options.name}=${head}`,
  )
  return `${head}.${mac}`
}

/**
 * Checks a value made by `signValue` for the same cookie name and purpose, with any key of the
 * keyring, in constant time. Returns null for anything else: tampered, truncated, signed with a
 * key not in the keyring, for another cookie name or purpose, absent, or not a signed value.
 *
 * @example
 * const verified = verifyValue(cookies['__Host-uid'], keyring, { name: '__Host-uid', purpose: 'remember-me' })
 * if (verified?.rotated) reissue(verified.value)
 */
export function verifyValue(
  signed: string | null | undefined,
  keyring: Keyring,
  options: SignedValueOptions,
): VerifiedValue | null {
  checkBinding(options)
  if (typeof signed !== 'string' || signed.length > MAX_COOKIE_HEADER_BYTES) return null
  const firstDot = signed.indexOf('.')
  const lastDot = signed.length - MAC_CHARS - 1
  if (firstDot < 1 || lastDot < firstDot || signed.charCodeAt(lastDot) !== 0x2e) return null
  const entry = secretsByEncodedId(keyring).get(signed.slice(0, firstDot))
  if (entry === undefined) return null
  const head = signed.slice(0, lastDot)
  const expected = hmacBase64url(
    'sha256',
    hmacKey(entry, options.purpose).key,
    `${options.name}=${head}`,
  )
  // Compared as text, in constant time: the computed MAC is canonical base64url, so a
  // non-canonical spelling of the right bytes (padding, "+/", stray low bits) is refused too.
  if (!safeEqualSameLength(expected, signed.slice(lastDot + 1))) return null
  const value = signed.slice(firstDot + 1, lastDot)
  // UTF-8 maps a lone surrogate and U+FFFD to the same bytes; only the string that was signed counts.
  if (!isWellFormed(value)) return null
  return { value, keyId: entry.id, rotated: entry !== keyring.secrets[0] }
}
