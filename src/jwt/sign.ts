import { encodeBase64url } from '../crypto/base64url.js'
import type { KeyEntry, KeyInput, Keyring } from '../crypto/keyring.js'
import { toKeyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { rejectUnknown } from '../options.js'
import { encodedSignerOf } from './algorithms.js'
import { REFUSED_HEADER_PARAMS } from './header.js'

/** Options for `signJws`. */
export interface SignJwsOptions {
  /** The id of the key that signs; default the keyring's first key bound to an algorithm. */
  readonly keyId?: string
  /** Put the key's id in the header as `kid` (default true), so verifiers look it up directly. */
  readonly includeKid?: boolean
  /** Extra protected header parameters, e.g. `{ cty: 'text/plain' }`; not `alg` or `kid`. */
  readonly header?: Readonly<Record<string, unknown>>
  /** The `typ` header parameter, e.g. `'JWT'` or `'at+jwt'` (RFC 8725 §3.11). */
  readonly typ?: string
}

/** Options for `signJwt`. */
export interface SignJwtOptions extends SignJwsOptions {
  /** Sets `exp` to now plus this many seconds (and `iat` to now when the claims have none). */
  readonly expiresInSeconds?: number
  /** The clock for `expiresInSeconds`; default the real one. */
  readonly now?: Date
  /** Refuse to sign claims without `exp` (default true: verifyJwt requires it by default). */
  readonly requireExp?: boolean
}

/** A JWT claims set: a JSON object; `exp`, `nbf` and `iat` are seconds since the epoch. */
export interface JwtClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly exp?: number
  readonly nbf?: number
  readonly iat?: number
  readonly jti?: string
  readonly [name: string]: unknown
}

type Keys = Keyring | readonly (KeyInput | KeyEntry)[]

/**
 * Signs `payload` (bytes, or a string taken as UTF-8) as a compact JWS with the keyring's signing
 * key and that key's one algorithm.
 *
 * @example
 * const jws = signJws(Buffer.from('hello'), keyring, { header: { cty: 'text/plain' } })
 */
export function signJws(
  payload: Uint8Array | string,
  keys: Keys,
  options: SignJwsOptions = {},
): string {
  rejectUnknown(options, SIGN_JWS_OPTIONS, 'signJws()')
  return signCompact(payload, keys, options)
}

const SIGN_JWS_OPTIONS = new Set(['keyId', 'includeKid', 'header', 'typ'])
const SIGN_JWT_OPTIONS = new Set([...SIGN_JWS_OPTIONS, 'expiresInSeconds', 'now', 'requireExp'])

function signCompact(payload: Uint8Array | string, keys: Keys, options: SignJwsOptions): string {
  const entry = signingKey(toKeyring(keys), options.keyId)
  const header = buildHeader(entry, options)
  const signingInput = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(payload)}`
  return `${signingInput}.${encodedSignerOf(entry)(signingInput)}`
}

/**
 * A signer for many JWS with one key and one header (internal: the token carrier's access
 * tokens): the header is built, checked and encoded once, and each call encodes `payload` (JSON
 * text the caller built and checked) and signs it. Same output as `signJws` with these options.
 */
export function createCompactSigner(
  keys: Keys,
  options: SignJwsOptions,
): (payload: string) => string {
  rejectUnknown(options, SIGN_JWS_OPTIONS, 'createCompactSigner()')
  const entry = signingKey(toKeyring(keys), options.keyId)
  const header = `${encodeBase64url(JSON.stringify(buildHeader(entry, options)))}.`
  const sign = encodedSignerOf(entry)
  return (payload) => {
    const signingInput = header + Buffer.from(payload, 'utf8').toString('base64url')
    return `${signingInput}.${sign(signingInput)}`
  }
}

/**
 * Signs a JWT claims set with the keyring's signing key. Numeric dates must be finite numbers
 * (seconds); `exp` is required unless `requireExp: false`.
 *
 * @example
 * const token = signJwt({ sub: 'u1' }, keyring, { typ: 'at+jwt', expiresInSeconds: 600 })
 */
export function signJwt(claims: JwtClaims, keys: Keys, options: SignJwtOptions = {}): string {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TesseraError('ERR_CONFIG_INVALID', 'JWT claims must be a plain object')
  }
  rejectUnknown(options, SIGN_JWT_OPTIONS, 'signJwt()')
  let body: JwtClaims = claims
  if (options.expiresInSeconds !== undefined) {
    const seconds = options.expiresInSeconds
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      throw new TesseraError(
        'ERR_CONFIG_INVALID',
        `expiresInSeconds must be a positive integer, got ${seconds}`,
      )
    }
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000)
    body = { iat: now, ...claims, exp: now + seconds }
  }
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = body[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new TesseraError('ERR_CONFIG_INVALID', `JWT claim ${name} must be a finite number`)
    }
  }
  if (body.exp === undefined && options.requireExp !== false) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'JWT claims need exp (or pass expiresInSeconds, or requireExp: false)',
    )
  }
  return signCompact(JSON.stringify(body), keys, options)
}

function signingKey(keyring: Keyring, keyId: string | undefined): KeyEntry {
  const entry =
    keyId === undefined ? keyring.entries.find((e) => e.alg !== null) : keyring.get(keyId)
  if (entry === undefined || entry.alg === null) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      keyId === undefined
        ? 'the keyring has no key bound to a JWS algorithm'
        : `key "${keyId}" is not in the keyring or has no JWS algorithm`,
    )
  }
  return entry
}

function buildHeader(entry: KeyEntry, options: SignJwsOptions): Record<string, unknown> {
  const header: Record<string, unknown> = { alg: entry.alg }
  if (options.includeKid !== false) header.kid = entry.id
  if (options.typ !== undefined) header.typ = options.typ
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (
      name === 'alg' ||
      name === 'kid' ||
      (REFUSED_HEADER_PARAMS as readonly string[]).includes(name)
    ) {
      throw new TesseraError(
        'ERR_CONFIG_INVALID',
        `header parameter "${name}" cannot be set: alg and kid come from the key, and verifiers refuse ${REFUSED_HEADER_PARAMS.join(', ')}`,
      )
    }
    header[name] = value
  }
  return header
}
