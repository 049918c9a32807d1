import { deriveKey } from '../crypto/aead.js'
import { encodeBase64url } from '../crypto/base64url.js'
import type { KeyEntry, Keyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'

/** What signed and sealed values need from an option bag: the cookie they belong to and why. */
export interface ValueBinding {
  /** The cookie name the value is bound to; an RFC 9110 token, as `serializeCookie` requires. */
  readonly name: string
  /** What the value is for (e.g. `'session'`, `'csrf'`); 1 to 256 characters. */
  readonly purpose: string
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const MAX_PURPOSE_LENGTH = 256
// Names already checked: an application uses a handful, so the check is a Set lookup per call.
const checkedNames = new Set<string>()
const MAX_CHECKED_NAMES = 1024

// Key ids may hold any printable ASCII (even "."), so the wire carries them base64url-encoded.
// One index per keyring, built once, maps that encoding straight to the key: no decoding per call.
const keyIdIndexes = new WeakMap<Keyring, Map<string, KeyEntry>>()

/** The keyring's plain secrets by base64url-encoded key id. */
export function secretsByEncodedId(keyring: Keyring): Map<string, KeyEntry> {
  let index = keyIdIndexes.get(keyring)
  if (index === undefined) {
    index = new Map(keyring.secrets.map((entry) => [encodedKeyId(entry), entry]))
    keyIdIndexes.set(keyring, index)
  }
  return index
}

const encodedIds = new WeakMap<KeyEntry, string>()

/** The key's id as it appears on the wire: base64url of its UTF-8 bytes, computed once. */
export function encodedKeyId(entry: KeyEntry): string {
  let encoded = encodedIds.get(entry)
  if (encoded === undefined) {
    encoded = encodeBase64url(entry.id)
    encodedIds.set(entry, encoded)
  }
  return encoded
}

/** The newest plain secret, which signs and seals; throws when the keyring holds none. */
export function primarySecret(keyring: Keyring): KeyEntry {
  const entry = keyring.secrets[0]
  if (entry === undefined) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      'the keyring has no secret keys; signed and sealed cookies need a plain secret or an HS* key',
    )
  }
  return entry
}

/**
 * Checks a binding once per call: the name is a token (so it can never contain the `=` that
 * separates it from what follows in the MAC input) and the purpose is short enough for HKDF.
 */
export function checkBinding(binding: ValueBinding): void {
  if (typeof binding !== 'object' || binding === null) {
    throw new TesseraError('ERR_CONFIG_INVALID', 'options { name, purpose } are required')
  }
  const { name, purpose } = binding
  if (!checkedNames.has(name)) {
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new TesseraError('ERR_COOKIE_INVALID', 'name must be a cookie name (an RFC 9110 token)')
    }
    if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.add(name)
  }
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > MAX_PURPOSE_LENGTH) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      `purpose must be a string of 1 to ${MAX_PURPOSE_LENGTH} characters`,
    )
  }
}

/** A key derived for one purpose, with the associated data already built for each cookie name. */
export interface PurposeKey {
  readonly key: Buffer
  /** Per cookie name: `base64url(keyId) "." name "=" purpose` as UTF-8 (what sealed values bind). */
  readonly associatedData: Map<string, Buffer>
}

/**
 * A cache of keys derived with HKDF-SHA256 from each secret for each purpose, under one label
 * (`tessera/signed/v1`, `tessera/sealed/v1`). Held in a WeakMap keyed by the key entry, so a
 * call costs two lookups and a retired keyring takes its derived keys with it.
 */
export function createDerivedKeyCache(
  label: string,
): (entry: KeyEntry, purpose: string) => PurposeKey {
  const cache = new WeakMap<KeyEntry, Map<string, PurposeKey>>()
  return (entry, purpose) => {
    let byPurpose = cache.get(entry)
    if (byPurpose === undefined) {
      byPurpose = new Map()
      cache.set(entry, byPurpose)
    }
    let derived = byPurpose.get(purpose)
    if (derived === undefined) {
      // The purpose comes last in the info string, so no two (label, purpose) pairs collide.
      const key = deriveKey(entry.secret as Buffer, `${label} ${purpose}`, 32)
      derived = { key, associatedData: new Map() }
      byPurpose.set(purpose, derived)
    }
    return derived
  }
}

/**
 * The associated data binding a value to its key id, cookie name and purpose, built once per
 * name. The name is a token (no "=") and the encoded key id has no ".", so parts cannot shift.
 */
export function associatedData(
  derived: PurposeKey,
  entry: KeyEntry,
  binding: ValueBinding,
): Buffer {
  let bytes = derived.associatedData.get(binding.name)
  if (bytes === undefined) {
    bytes = Buffer.from(`${encodedKeyId(entry)}.${binding.name}=${binding.purpose}`, 'utf8')
    derived.associatedData.set(binding.name, bytes)
  }
  return bytes
}

/** `String.prototype.isWellFormed` (Node 20; not yet in TypeScript's ES2023 library). */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed()
}
