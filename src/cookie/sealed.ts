import { aeadOpen, aeadSeal } from '../crypto/aead.js'
import { decodeBase64url } from '../crypto/base64url.js'
import type { Keyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { MAX_COOKIE_HEADER_BYTES } from './codec.js'
import {
  associatedData,
  checkBinding,
  createDerivedKeyCache,
  encodedKeyId,
  isWellFormed,
  primarySecret,
  secretsByEncodedId,
  type ValueBinding,
} from './value-keys.js'

/** Options of `sealValue`: the binding and the instant (epoch ms) after which the seal is refused. */
export interface SealValueOptions extends ValueBinding {
  readonly expiresAt: number
}

/** Options of `unsealValue`: the binding and the current time (epoch ms, default `Date.now()`). */
export interface UnsealValueOptions extends ValueBinding {
  readonly now?: number | undefined
}

/** What `unsealValue` returns for a genuine, unexpired seal. */
export interface UnsealedValue {
  /** The value as it was sealed. */
  readonly value: string
  /** The id of the key that opened the seal. */
  readonly keyId: string
  /** True when that key is not the newest: seal the value again and send it. */
  readonly rotated: boolean
  /** When the seal expires, epoch ms, as given to `sealValue`. */
  readonly expiresAt: number
}

/** Bytes of the expiry at the start of the plaintext: a 48-bit big-endian epoch ms. */
const EXPIRY_BYTES = 6
const MAX_EXPIRES_AT = 2 ** 48 - 1
const aeadKey = createDerivedKeyCache('tessera/sealed/v1')

/**
 * Encrypts and authenticates `value` (AES-256-GCM) with a key derived for `purpose` from the
 * keyring's newest secret. The expiry is inside the ciphertext; the key id, cookie name and purpose
 * are authenticated as associated data, so a seal opens only for the same cookie and purpose.
 * Output: `base64url(keyId) "." base64url(nonce ‖ ciphertext ‖ tag)`, cookie-safe (see
 * docs/formats.md). Throws `ERR_CONFIG_INVALID` for a bad `expiresAt`, `ERR_COOKIE_INVALID` for
 * a name that is not a token or a value that is not well-formed Unicode.
 *
 * @example
 * const sealed = sealValue(JSON.stringify(state), keyring, {
 *   name: '__Host-session', purpose: 'session', expiresAt: Date.now() + 12 * 3600_000,
 * })
 */
export function sealValue(value: string, keyring: Keyring, options: SealValueOptions): string {
  checkBinding(options)
  const { expiresAt } = options
  if (!Number.isInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_EXPIRES_AT) {
    throw new TesseraError('ERR_CONFIG_INVALID', 'expiresAt must be an epoch time in milliseconds')
  }
  if (typeof value !== 'string' || !isWellFormed(value)) {
    throw new TesseraError('ERR_COOKIE_INVALID', 'a sealed value must be a well-formed string')
  }
  const entry = primarySecret(keyring)
  const keyId = encodedKeyId(entry)
  const plaintext = Buffer.allocUnsafe(EXPIRY_BYTES + Buffer.byteLength(value))
  plaintext.writeUIntBE(expiresAt, 0, EXPIRY_BYTES)
  plaintext.write(value, EXPIRY_BYTES, 'utf8')
  const derived = aeadKey(entry, options.purpose)
  const box = aeadSeal(derived.key, plaintext, associatedData(derived, entry, options))
  return `${keyId}.${box.toString('base64url')}`
}

/**
 * Opens a value made by `sealValue` for the same cookie name and purpose, with any key of the
 * keyring. Returns null for anything else: tampered, truncated, sealed with a key not in the
 * keyring, for another name or purpose, expired (`now >= expiresAt`), absent, or not a seal.
 *
 * @example
 * const opened = unsealValue(cookies['__Host-session'], keyring, { name: '__Host-session', purpose: 'session' })
 * const state = opened === null ? null : JSON.parse(opened.value)
 */
export function unsealValue(
  sealed: string | null | undefined,
  keyring: Keyring,
  options: UnsealValueOptions,
): UnsealedValue | null {
  checkBinding(options)
  if (typeof sealed !== 'string' || sealed.length > MAX_COOKIE_HEADER_BYTES) return null
  const dot = sealed.indexOf('.')
  if (dot < 1) return null
  const entry = secretsByEncodedId(keyring).get(sealed.slice(0, dot))
  if (entry === undefined) return null
  // Strict decoding: a non-canonical spelling of a genuine seal is refused, not accepted.
  const box = decodeBase64url(sealed.slice(dot + 1))
  if (box === null) return null
  const derived = aeadKey(entry, options.purpose)
  const plaintext = aeadOpen(derived.key, box, associatedData(derived, entry, options))
  if (plaintext === null || plaintext.length < EXPIRY_BYTES) return null
  const expiresAt = plaintext.readUIntBE(0, EXPIRY_BYTES)
  const now = options.now ?? Date.now()
  if (!(now < expiresAt)) return null // fails closed for a NaN `now` too
  const value = plaintext.toString('utf8', EXPIRY_BYTES)
  return { value, keyId: entry.id, rotated: entry !== keyring.secrets[0], expiresAt }
}
