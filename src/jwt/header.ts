import { isUtf8 } from 'node:buffer'
import { decodeBase64url } from '../crypto/base64url.js'
import type { JwsAlgorithm } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { isJwsAlgorithm } from './algorithms.js'
import { deepFreeze, memoBySlot, memoByText } from './memo.js'

/** A verified JWS protected header: `alg` is always one tessera implements. */
export interface JwsHeader {
  readonly alg: JwsAlgorithm
  readonly kid?: string
  readonly typ?: string
  readonly cty?: string
  readonly [name: string]: unknown
}

/**
 * Header parameters that name a key source or change how the payload is read (RFC 7515 §4.1,
 * RFC 7797). Keys come only from the keyring, so a token may not bring its own; tessera implements
 * no `crit` extension, so any `crit` is refused (RFC 7515 §4.1.11).
 */
export const REFUSED_HEADER_PARAMS = ['jwk', 'jku', 'x5u', 'x5c', 'crit', 'b64'] as const

// Tokens signed by one issuer share a handful of header segments.
const headerOf = memoByText(256, (segment) => {
  const [raw, text] = decodeJsonObject(segment, 'header')
  return checkHeader(raw, text)
})

// The claims of recently verified tokens, frozen: a client sends the same token on every request
// until it expires.
const claimsOf = memoBySlot(1024, (segment) => deepFreeze(parsePayload(segment)))

function malformed(message: string): TesseraError {
  return new TesseraError('ERR_TOKEN_MALFORMED', message)
}

/**
 * Decodes and checks the protected header, the first `end` characters of `token`: canonical
 * base64url, a JSON object without duplicate names, a known `alg` (never `none`), no refused
 * parameter, string `kid`/`typ`/`cty`. Throws ERR_TOKEN_MALFORMED or ERR_JWT_ALG_NOT_ALLOWED; the result is frozen and remembered.
 */
export function parseHeader(token: string, end: number): JwsHeader {
  return headerOf(token.slice(0, end))
}

/**
 * The claims set of a token whose signature has been verified: `parsePayload`, frozen, and for
 * a token verified recently, the claims remembered from then. `signature` (the token's signature
 * segment, random) picks where the claims are remembered. Throws ERR_TOKEN_MALFORMED.
 */
export function parseVerifiedClaims(segment: string, signature: string): Record<string, unknown> {
  // Three characters before the signature's last one (which may carry fewer random bits), mixed
  // by a multiplicative hash whose high bits pick the slot.
  const n = signature.length
  const mixed =
    signature.charCodeAt(n - 2) ^
    (signature.charCodeAt(n - 3) << 8) ^
    (signature.charCodeAt(n - 4) << 16)
  return claimsOf(segment, Math.imul(mixed, 0x9e3779b1) >>> 16)
}

function checkHeader(raw: Record<string, unknown>, text: string): JwsHeader {
  if (countTopLevelNames(text) !== Object.keys(raw).length) {
    throw malformed('JWS header has a duplicate parameter name')
  }
  const alg = raw.alg
  if (!isJwsAlgorithm(alg)) {
    throw new TesseraError(
      'ERR_JWT_ALG_NOT_ALLOWED',
      typeof alg === 'string'
        ? 'JWS alg is not one tessera accepts (none never is)'
        : 'JWS header has no string alg',
    )
  }
  for (const name of REFUSED_HEADER_PARAMS) {
    if (Object.hasOwn(raw, name)) {
      throw malformed(`JWS header parameter "${name}" is not accepted`)
    }
  }
  for (const name of ['kid', 'typ', 'cty'] as const) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') {
      throw malformed(`JWS header parameter "${name}" must be a string`)
    }
  }
  return deepFreeze(raw) as JwsHeader
}

/**
 * Decodes a base64url segment holding a JSON object. Throws ERR_TOKEN_MALFORMED for
 * non-canonical base64url, invalid UTF-8 or JSON, or any value that is not a plain object.
 */
export function parseJsonObject(segment: string, what: string): Record<string, unknown> {
  return decodeJsonObject(segment, what)[0]
}

/**
 * Decodes a payload segment holding a JSON object (the claims set), like `parseJsonObject` but
 * validating UTF-8 with `isUtf8` rather than a decoder object: this runs on every verification.
 */
export function parsePayload(segment: string): Record<string, unknown> {
  const bytes = decodeBase64url(segment)
  if (bytes === null) throw malformed('JWS payload is not canonical base64url')
  if (!isUtf8(bytes)) throw malformed('JWS payload is not UTF-8 JSON')
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw malformed('JWS payload is not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('JWS payload is not a JSON object')
  }
  return value as Record<string, unknown>
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function decodeJsonObject(segment: string, what: string): [Record<string, unknown>, string] {
  const bytes = decodeBase64url(segment)
  if (bytes === null) throw malformed(`JWS ${what} is not canonical base64url`)
  let value: unknown
  let text: string
  try {
    text = utf8.decode(bytes)
    value = JSON.parse(text)
  } catch {
    throw malformed(`JWS ${what} is not UTF-8 JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`JWS ${what} is not a JSON object`)
  }
  return [value as Record<string, unknown>, text]
}

/**
 * Counts the member names of the outermost object in valid JSON text. JSON.parse keeps only the
 * last of duplicate names, so fewer parsed keys than counted names means a duplicate (however
 * the names are escaped).
 */
export function countTopLevelNames(text: string): number {
  let depth = 0
  let expectName = false
  let names = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      if (depth === 1 && expectName) names++
      expectName = false
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++
      expectName = depth === 1
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectName = true
    }
  }
  return names
}
