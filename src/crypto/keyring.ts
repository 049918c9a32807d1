import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto'
import { inspect } from 'node:util'
import { TesseraError } from '../errors.js'
import { rejectUnknown } from '../options.js'
import { decodeBase64url } from './base64url.js'

/** The JWS algorithms tessera signs and verifies with (RFC 7518, RFC 8037). `none` is not one. */
export const JWS_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** A JWS algorithm name. */
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number]

/** Smallest secret accepted anywhere: 256 bits (RFC 7518 §3.2, RFC 8725 §3.5). */
export const MIN_SECRET_BYTES = 32
const MIN_RSA_BITS = 2048
const HMAC_MIN_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const
const EC_CURVES = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' } as const

/**
 * One key as the application supplies it. `key` is raw bytes, a base64url (or standard base64)
 * string of raw bytes (never a passphrase), or a `KeyObject`. Without `alg` it is a plain secret for cookies and
 * HMAC; with `alg` it is bound to that one JWS algorithm and can be used for nothing else.
 *
 * @example
 * { id: '2026-11', key: process.env.SESSION_KEY }                 // base64url, ≥ 32 bytes
 * { id: 'jwt-1', alg: 'EdDSA', key: privateKeyObject }
 */
export interface KeyInput {
  readonly id: string
  readonly key: Uint8Array | string | KeyObject
  readonly alg?: JwsAlgorithm | undefined
}

/** A validated key in a keyring. Logging it shows the id and algorithm, never the material. */
export interface KeyEntry {
  readonly id: string
  /** The one JWS algorithm this key is bound to, or null for a plain secret. */
  readonly alg: JwsAlgorithm | null
  /** Raw secret bytes, for plain secrets and HS* keys. */
  readonly secret: Buffer | null
  /** The private key, for asymmetric keys that can sign. */
  readonly privateKey: KeyObject | null
  /** The public key, for asymmetric keys (derived from the private key when one is given). */
  readonly publicKey: KeyObject | null
}

/**
 * An ordered set of keys: the first (newest) signs, every key verifies, so keys rotate without
 * logging anyone out. Create one with `createKeyring`.
 */
export interface Keyring {
  /** The key that signs: the first entry. */
  readonly primary: KeyEntry
  /** Every key, newest first. */
  readonly entries: readonly KeyEntry[]
  /** The key with this id, if any. */
  get(id: string): KeyEntry | undefined
  /** Plain secrets (and HS* keys), newest first: what cookie signing and sealing use. */
  readonly secrets: readonly KeyEntry[]
}

const KEYRING_BRAND = Symbol.for('tessera.keyring')

/**
 * Validates keys once, at startup, and returns a keyring. Throws `ERR_KEY_INVALID` for a key
 * shorter than 32 bytes (or its hash size for HS384/HS512), a key of the wrong type for its
 * algorithm, an RSA key under 2048 bits, a string that is not base64url, or a duplicate id.
 *
 * @example
 * const keyring = createKeyring([
 *   { id: '2026-11', key: Buffer.from(env.SESSION_KEY, 'base64url') },
 *   { id: '2026-05', key: Buffer.from(env.SESSION_KEY_PREVIOUS, 'base64url') },
 * ])
 */
export function createKeyring(inputs: readonly (KeyInput | KeyEntry)[]): Keyring {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new TesseraError('ERR_KEY_INVALID', 'keys must be a non-empty array of { id, key }')
  }
  const byId = new Map<string, KeyEntry>()
  const entries = inputs.map((input, index) => {
    const entry = isKeyEntry(input) ? input : toEntry(input, index)
    if (byId.has(entry.id)) {
      throw new TesseraError('ERR_KEY_INVALID', `key id "${entry.id}" appears twice in the keyring`)
    }
    byId.set(entry.id, entry)
    return entry
  })
  const secrets = entries.filter((e) => e.secret !== null)
  const keyring: Keyring = {
    primary: entries[0] as KeyEntry,
    entries,
    secrets,
    get: (id) => byId.get(id),
  }
  Object.defineProperty(keyring, KEYRING_BRAND, { value: true })
  Object.defineProperty(keyring, inspect.custom, {
    value: () => `Keyring(${entries.map(describe).join(', ')})`,
  })
  Object.defineProperty(keyring, 'toJSON', { value: () => ({ keys: entries.map(describe) }) })
  return Object.freeze(keyring)
}

/** True for a keyring made by `createKeyring` (of any copy of tessera). */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && KEYRING_BRAND in value
}

/** Accepts either a keyring or the inputs for one; the form most options take. */
export function toKeyring(keys: Keyring | readonly (KeyInput | KeyEntry)[]): Keyring {
  return isKeyring(keys) ? keys : createKeyring(keys as readonly (KeyInput | KeyEntry)[])
}

/**
 * Validates one key on its own, with the same rules as `createKeyring`; the entry can then be
 * passed to `createKeyring` (what `importJwk` and `generateKey` return).
 */
export function createKeyEntry(input: KeyInput): KeyEntry {
  return toEntry(input, 0)
}

function describe(e: KeyEntry): string {
  return e.alg === null ? e.id : `${e.id}:${e.alg}`
}

function isKeyEntry(value: KeyInput | KeyEntry): value is KeyEntry {
  // The shape is checked before `in`: a bare secret given instead of { id, key } must not reach
  // an operator whose TypeError quotes the value it was given.
  return (
    typeof value === 'object' &&
    value !== null &&
    'publicKey' in value &&
    'secret' in value &&
    'privateKey' in value
  )
}

/** How an input that is not a `{ id, key }` object was probably made, for the message. */
function notAnEntry(input: unknown, index: number): string {
  const expected = `keys[${index}] must be an object { id, key }`
  if (input === undefined || input === null) {
    return (
      `${expected}, got ${String(input)}: if it comes from the environment ` +
      '(keys: [process.env.KEY]), check that the variable is set for this process'
    )
  }
  const got = input instanceof Uint8Array ? 'bytes' : typeof input
  return `${expected}, got ${got}; wrap the secret as { id: '2026-11', key: process.env.SESSION_KEY }`
}

const KEY_INPUT_FIELDS = ['id', 'key', 'alg']
// Names people reach for from other libraries (express-session's `secret`, JWK's `kid`, jose's `algorithm`).
const KEY_HINTS: Readonly<Record<string, string>> = {
  secret: 'the secret goes in "key": { id, key }',
  kid: 'the key id goes in "id"',
  algorithm: 'the JWS algorithm goes in "alg"',
}

function toEntry(input: KeyInput, index: number): KeyEntry {
  if (typeof input !== 'object' || input === null || input instanceof Uint8Array) {
    throw new TesseraError('ERR_KEY_INVALID', notAnEntry(input, index))
  }
  if (!(input instanceof KeyObject))
    rejectUnknown(input, KEY_INPUT_FIELDS, `keys[${index}]`, KEY_HINTS)
  const { id, key, alg } = input
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(id)) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `keys[${index}].id must be 1 to 128 printable ASCII characters without spaces`,
    )
  }
  if (alg !== undefined && !(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${id}": alg must be one of ${JWS_ALGORITHMS.join(', ')}; got ${shortName(alg)}`,
    )
  }
  if (alg === undefined || alg.startsWith('HS')) return secretEntry(id, key, alg ?? null)
  return asymmetricEntry(id, key, alg)
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * A key string's bytes: canonical base64url, or standard base64 (`+`, `/`, `=` padding), as
 * `openssl rand -base64 32` prints it. The two alphabets differ only in those characters, so a
 * string decodes the same under either reading; one that mixes them, or is not canonical, is
 * refused. Null when it is neither.
 */
export function decodeKeyString(text: string): Buffer | null {
  const url = decodeBase64url(text)
  if (url !== null || !STANDARD_BASE64.test(text) || text.length % 4 === 1) return url
  const bytes = Buffer.from(text, 'base64')
  const canonical = bytes.toString('base64')
  return canonical === text || canonical.replace(/=+$/, '') === text ? bytes : null
}

function secretEntry(id: string, key: KeyInput['key'], alg: JwsAlgorithm | null): KeyEntry {
  let bytes: Buffer | null
  if (typeof key === 'string') {
    bytes = decodeKeyString(key)
    if (bytes === null) {
      throw new TesseraError(
        'ERR_KEY_INVALID',
        `key "${id}" is a string but not base64url (nor standard base64); give random bytes ` +
          '(tessera key generate)',
      )
    }
  } else if (key instanceof KeyObject) {
    if (key.type !== 'secret') {
      throw new TesseraError(
        'ERR_KEY_INVALID',
        `key "${id}" is a ${key.type} key; ${alg ?? 'a plain secret'} needs secret bytes`,
      )
    }
    bytes = key.export()
  } else if (key instanceof Uint8Array) {
    bytes = Buffer.from(key) // a copy: later changes to the caller's buffer cannot reach it
  } else {
    const unset =
      key === undefined
        ? ': got undefined; if it comes from the environment (process.env), check that the ' +
          'variable is set for this process'
        : `; got ${key === null ? 'null' : typeof key}`
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${id}" must be bytes, a base64url string or a KeyObject${unset}`,
    )
  }
  const min = alg === null ? MIN_SECRET_BYTES : HMAC_MIN_BYTES[alg as keyof typeof HMAC_MIN_BYTES]
  if (bytes.length < min) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${id}" is ${bytes.length} bytes; ${alg ?? 'a secret'} needs at least ${min}`,
    )
  }
  return freezeEntry({ id, alg, secret: bytes, privateKey: null, publicKey: null })
}

function asymmetricEntry(id: string, key: KeyInput['key'], alg: JwsAlgorithm): KeyEntry {
  if (!(key instanceof KeyObject) || key.type === 'secret') {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${id}" for ${alg} must be a public or private KeyObject (see importJwk), not ${describeInput(key)}`,
    )
  }
  const privateKey = key.type === 'private' ? key : null
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  checkAsymmetric(id, publicKey, alg)
  return freezeEntry({ id, alg, secret: null, privateKey, publicKey })
}

function checkAsymmetric(id: string, key: KeyObject, alg: JwsAlgorithm): void {
  const type = key.asymmetricKeyType
  const details = key.asymmetricKeyDetails ?? {}
  const family = alg.slice(0, 2)
  const wrong = (want: string): never => {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${id}" is ${type ?? 'unknown'}${details.namedCurve ? ` (${details.namedCurve})` : ''}; ${alg} needs ${want}`,
    )
  }
  if (family === 'RS' || family === 'PS') {
    if (type !== 'rsa' && !(family === 'PS' && type === 'rsa-pss')) wrong('an RSA key')
    const bits = details.modulusLength ?? 0
    if (bits < MIN_RSA_BITS) {
      throw new TesseraError(
        'ERR_KEY_INVALID',
        `key "${id}" is a ${bits}-bit RSA key; ${alg} needs at least ${MIN_RSA_BITS} bits`,
      )
    }
  } else if (family === 'ES') {
    const curve = EC_CURVES[alg as keyof typeof EC_CURVES]
    if (type !== 'ec' || details.namedCurve !== curve) wrong(`an EC key on ${curve}`)
  } else if (alg === 'EdDSA') {
    if (type !== 'ed25519') wrong('an Ed25519 key')
  }
}

/** A short name as given (`none`, `HS257`), else only its type: a misplaced secret never shows. */
function shortName(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9]{1,8}$/.test(value) ? value : typeof value
}

function describeInput(key: unknown): string {
  if (key instanceof KeyObject) return `a ${key.type} KeyObject`
  return typeof key === 'string' ? 'a string' : 'bytes'
}

function freezeEntry(entry: KeyEntry): KeyEntry {
  Object.defineProperty(entry, inspect.custom, { value: () => `KeyEntry(${describe(entry)})` })
  Object.defineProperty(entry, 'toJSON', { value: () => ({ id: entry.id, alg: entry.alg }) })
  return Object.freeze(entry)
}

/** Wraps raw secret bytes as a KeyObject (keeps them out of casual logging). */
export function secretKeyObject(bytes: Uint8Array): KeyObject {
  return createSecretKey(bytes)
}
