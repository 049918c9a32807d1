import { decodeBase64url } from '../crypto/base64url.js'
import type { JwsAlgorithm, KeyEntry, KeyInput, Keyring } from '../crypto/keyring.js'
import { toKeyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { invalidOption, rejectUnknown } from '../options.js'
import { verifyWithKey } from './algorithms.js'
import { checkClaims, claimsChecker, type ClaimsOptions } from './claims.js'
import { parseHeader, parsePayload, parseVerifiedClaims, type JwsHeader } from './header.js'
import type { JwtClaims } from './sign.js'

/** Default cap on a token's length, checked before any decoding (RFC 8725 §3.7 spirit). */
export const DEFAULT_MAX_TOKEN_BYTES = 8 * 1024

/** Options for `verifyJws`. */
export interface VerifyJwsOptions {
  /** Longest token accepted, in bytes (default 8192). */
  readonly maxTokenBytes?: number
}

/** Options for `verifyJwt`: the JWS options plus the claim checks. */
export interface VerifyJwtOptions extends VerifyJwsOptions, ClaimsOptions {}

const VERIFY_JWS_OPTIONS = new Set(['maxTokenBytes'])
const VERIFY_JWT_OPTIONS = new Set([
  'maxTokenBytes',
  'issuer',
  'audience',
  'subject',
  'typ',
  'maxTokenAgeSeconds',
  'requiredClaims',
  'requireExp',
  'clockToleranceSeconds',
  'now',
])

/** A verified JWS: its header, its payload bytes and the key that verified it. */
export interface VerifiedJws {
  readonly header: JwsHeader
  readonly payload: Buffer
  readonly key: KeyEntry
}

/** A verified JWT: its header, its claims and the key that verified it. */
export interface VerifiedJwt {
  readonly header: JwsHeader
  readonly payload: JwtClaims
  readonly key: KeyEntry
}

type Keys = Keyring | readonly (KeyInput | KeyEntry)[]

function malformed(message: string): TesseraError {
  return new TesseraError('ERR_TOKEN_MALFORMED', message)
}

/**
 * Verifies a compact JWS and returns its payload bytes. The header picks the key (by `kid`, or
 * among the keys bound to the header's `alg`); the key's own algorithm must equal `alg`.
 * Throws TesseraError: ERR_TOKEN_MALFORMED, ERR_JWT_ALG_NOT_ALLOWED, ERR_SIGNATURE_INVALID.
 *
 * @example
 * const { header, payload } = verifyJws(jws, keyring)
 */
export function verifyJws(token: string, keys: Keys, options: VerifyJwsOptions = {}): VerifiedJws {
  rejectUnknown(options, VERIFY_JWS_OPTIONS, 'verifyJws()')
  const checked = verifySignature(token, keys, options.maxTokenBytes)
  const payload = decodeBase64url(token.slice(checked.payloadStart, checked.payloadEnd))
  if (payload === null) throw malformed('JWS payload is not canonical base64url')
  return { header: checked.header, payload, key: checked.key }
}

/**
 * Verifies a JWT: the signature first, then the claims (`exp` required by default, `nbf`, `iat`,
 * `iss`, `aud`, `sub`, `typ`, age, required claims) against `now` (default the real clock).
 *
 * @example
 * const { payload } = verifyJwt(token, keyring, { issuer: 'https://id.example', audience: 'api' })
 */
export function verifyJwt(token: string, keys: Keys, options: VerifyJwtOptions = {}): VerifiedJwt {
  rejectUnknown(options, VERIFY_JWT_OPTIONS, 'verifyJwt()')
  const verified = verifiedClaims(token, keys, options.maxTokenBytes)
  checkClaims(verified.payload, verified.header, options)
  return verified
}

/**
 * `verifyJwt` with its options checked and read once (internal: the token carrier verifies
 * every request's access token with the same keyring and checks). The returned function takes
 * the current time in epoch ms and throws what `verifyJwt` throws.
 */
export function createJwtVerifier(
  keys: Keys,
  options: Omit<VerifyJwtOptions, 'now'>,
): (token: string, nowMs: number) => VerifiedJwt {
  rejectUnknown(options, VERIFY_JWT_OPTIONS, 'createJwtVerifier()')
  const keyring = toKeyring(keys)
  const check = claimsChecker(options)
  const { maxTokenBytes } = options
  return (token, nowMs) => {
    const verified = verifiedClaims(token, keyring, maxTokenBytes)
    if (!Number.isFinite(nowMs)) throw new TesseraError('ERR_CONFIG_INVALID', 'now must be finite')
    check(verified.payload, verified.header, nowMs / 1000)
    return verified
  }
}

/** The signature checked, then the claims read: what both JWT verifiers share. */
function verifiedClaims(token: string, keys: Keys, maxTokenBytes: number | undefined): VerifiedJwt {
  const { header, key, payloadStart, payloadEnd } = verifySignature(token, keys, maxTokenBytes)
  // Only now, with the signature checked, is the payload decoded and read (or its claims, frozen,
  // taken from the last verifications of the same payload).
  const payload = parseVerifiedClaims(
    token.slice(payloadStart, payloadEnd),
    token.slice(payloadEnd + 1),
  ) as JwtClaims
  return { header, payload, key }
}

/**
 * Decodes a JWT's header and claims WITHOUT verifying anything. For debugging and routing only:
 * never base a decision on its result. Throws ERR_TOKEN_MALFORMED.
 */
export function decodeJwtUnsafe(token: string): { header: JwsHeader; payload: JwtClaims } {
  const second = checkShape(token, DEFAULT_MAX_TOKEN_BYTES)
  const first = token.indexOf('.')
  return {
    header: parseHeader(token, first),
    payload: parsePayload(token.slice(first + 1, second)) as JwtClaims,
  }
}

interface Checked {
  readonly header: JwsHeader
  readonly key: KeyEntry
  readonly payloadStart: number
  readonly payloadEnd: number
}

function verifySignature(token: string, keys: Keys, maxTokenBytes: number | undefined): Checked {
  const keyring = toKeyring(keys)
  const second = checkShape(token, maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES)
  const first = token.indexOf('.')
  const header = parseHeader(token, first)
  // The signature stays text: an HMAC tag is compared as base64url, other schemes decode it.
  const signature = token.slice(second + 1)
  const signingInput = token.slice(0, second)
  const found = candidates(keyring, header)
  if (!Array.isArray(found)) {
    const key = found as KeyEntry
    if (verifyWithKey(key, signingInput, signature)) {
      return { header, key, payloadStart: first + 1, payloadEnd: second }
    }
  } else {
    for (const key of found as readonly KeyEntry[]) {
      if (verifyWithKey(key, signingInput, signature)) {
        return { header, key, payloadStart: first + 1, payloadEnd: second }
      }
    }
  }
  // Only on failure: tell a malformed signature from a wrong one.
  if (decodeBase64url(signature) === null)
    throw malformed('JWS signature is not canonical base64url')
  throw new TesseraError('ERR_SIGNATURE_INVALID', 'JWS signature does not verify')
}

/** Checks the type, the size limit and that there are exactly three segments; returns the second dot. */
function checkShape(token: string, maxTokenBytes: number): number {
  if (typeof token !== 'string') throw malformed('JWS must be a string')
  if (!(maxTokenBytes > 0)) {
    invalidOption('maxTokenBytes', 'a positive number', maxTokenBytes)
  }
  if (token.length > maxTokenBytes) {
    throw malformed(`JWS is ${token.length} bytes; the limit is ${maxTokenBytes}`)
  }
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed('JWS must have exactly three dot-separated segments')
  }
  return second
}

// Per keyring: the keys bound to each algorithm, tried in order when a token has no kid.
const byAlgorithm = new WeakMap<Keyring, Map<JwsAlgorithm, readonly KeyEntry[]>>()

/** The key named by `kid`, or the keys bound to the header's alg (tried in keyring order). */
function candidates(keyring: Keyring, header: JwsHeader): KeyEntry | readonly KeyEntry[] {
  if (header.kid !== undefined) {
    // kid is an opaque name looked up in the keyring's map: never a path, URL or query.
    const key = keyring.get(header.kid)
    if (key === undefined) {
      throw new TesseraError('ERR_SIGNATURE_INVALID', 'JWS kid names no key in the keyring')
    }
    if (key.alg !== header.alg) {
      throw new TesseraError(
        'ERR_JWT_ALG_NOT_ALLOWED',
        `JWS alg ${header.alg} differs from the ${String(key.alg)} bound to key "${key.id}"`,
      )
    }
    return key
  }
  let map = byAlgorithm.get(keyring)
  if (map === undefined) {
    map = new Map()
    for (const entry of keyring.entries) {
      if (entry.alg !== null) map.set(entry.alg, [...(map.get(entry.alg) ?? []), entry])
    }
    byAlgorithm.set(keyring, map)
  }
  const keys = map.get(header.alg)
  if (keys === undefined) {
    throw new TesseraError(
      'ERR_JWT_ALG_NOT_ALLOWED',
      `no key in the keyring is bound to ${header.alg}`,
    )
  }
  return keys
}
