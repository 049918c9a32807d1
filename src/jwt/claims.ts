import { TesseraError } from '../errors.js'
import { invalidOption } from '../options.js'
import type { JwsHeader } from './header.js'
import type { JwtClaims } from './sign.js'

/** The claim checks of `verifyJwt` (RFC 7519 §4.1, RFC 8725 §3.8–3.11). */
export interface ClaimsOptions {
  /** Accepted `iss` values, compared exactly; the token's `iss` must be a string. */
  readonly issuer?: string | readonly string[]
  /** Accepted audiences: the token's `aud` (a string or an array) must contain one of them. */
  readonly audience?: string | readonly string[]
  /** The expected `sub`, compared exactly. */
  readonly subject?: string
  /** The expected header `typ` (case-insensitive, `application/` prefix optional, RFC 7515 §4.1.9). */
  readonly typ?: string
  /** Reject tokens whose `iat` is older than this many seconds (requires `iat`). */
  readonly maxTokenAgeSeconds?: number
  /** Claims that must be present, in addition to `exp`. */
  readonly requiredClaims?: readonly string[]
  /** Require `exp` (default true). */
  readonly requireExp?: boolean
  /** Allowed clock skew in seconds for `exp`, `nbf`, `iat` and age (default 0). */
  readonly clockToleranceSeconds?: number
  /** The current time; default the real clock. */
  readonly now?: Date
}

function invalid(message: string): TesseraError {
  return new TesseraError('ERR_JWT_CLAIM_INVALID', message)
}

function numericDate(value: unknown, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`JWT claim ${name} must be a finite number of seconds`)
  }
  return value
}

function oneOf(expected: string | readonly string[]): readonly string[] {
  return typeof expected === 'string' ? [expected] : expected
}

/**
 * Checks a verified token's claims. Throws ERR_JWT_EXPIRED, ERR_JWT_NOT_YET_VALID or
 * ERR_JWT_CLAIM_INVALID; a claim the options do not mention is not read.
 */
export function checkClaims(claims: JwtClaims, header: JwsHeader, options: ClaimsOptions): void {
  const check = claimsChecker(options)
  const now = (options.now === undefined ? Date.now() : options.now.getTime()) / 1000
  if (!Number.isFinite(now))
    throw new TesseraError('ERR_CONFIG_INVALID', 'now must be a valid Date')
  check(claims, header, now)
}

/** The checks of `checkClaims` with their options read once; `now` in seconds (`options.now` unused). */
export type ClaimsChecker = (claims: JwtClaims, header: JwsHeader, now: number) => void

/**
 * `checkClaims` prepared for many tokens: the options are checked and read once (for a caller
 * that verifies every request's token with the same options). Throws ERR_CONFIG_INVALID for an
 * option out of range.
 */
export function claimsChecker(options: ClaimsOptions): ClaimsChecker {
  const tolerance = options.clockToleranceSeconds ?? 0
  if (!(tolerance >= 0 && tolerance <= 86_400)) {
    invalidOption('clockToleranceSeconds', 'a number from 0 to 86400', tolerance)
  }
  const issuers = options.issuer === undefined ? undefined : oneOf(options.issuer)
  const audiences = options.audience === undefined ? undefined : oneOf(options.audience)
  const { subject, requiredClaims } = options
  const typ = options.typ === undefined ? undefined : normalizeTyp(options.typ)
  return (claims, header, now) => {
    checkDates(claims, now, tolerance, options)
    if (issuers !== undefined) {
      if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) {
        throw invalid('JWT iss is missing or not an accepted issuer')
      }
    }
    if (audiences !== undefined) {
      const aud = claims.aud
      if (typeof aud === 'string' ? !audiences.includes(aud) : !someAccepted(aud, audiences)) {
        throw invalid('JWT aud is missing or names no accepted audience')
      }
    }
    if (subject !== undefined && claims.sub !== subject) {
      throw invalid('JWT sub is missing or not the expected subject')
    }
    if (typ !== undefined && normalizeTyp(header.typ) !== typ) {
      throw invalid('JWS typ is missing or not the expected type')
    }
    if (requiredClaims !== undefined) {
      for (const name of requiredClaims) {
        if (claims[name] === undefined || !Object.hasOwn(claims, name)) {
          throw invalid(`JWT claim ${name} is required`)
        }
      }
    }
  }
}

/** True when `aud`, an array, holds a string among `accepted`. */
function someAccepted(aud: unknown, accepted: readonly string[]): boolean {
  return (
    Array.isArray(aud) &&
    (aud as unknown[]).some((a) => typeof a === 'string' && accepted.includes(a))
  )
}

function checkDates(claims: JwtClaims, now: number, tolerance: number, options: ClaimsOptions) {
  // Named property reads: this runs on every verification.
  const exp = numericDate(claims.exp, 'exp')
  const nbf = numericDate(claims.nbf, 'nbf')
  const iat = numericDate(claims.iat, 'iat')
  if (exp === undefined) {
    if (options.requireExp !== false) throw invalid('JWT claim exp is required')
  } else if (now - tolerance >= exp) {
    // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
    throw new TesseraError('ERR_JWT_EXPIRED', 'JWT has expired')
  }
  if (nbf !== undefined && now + tolerance < nbf) {
    throw new TesseraError('ERR_JWT_NOT_YET_VALID', 'JWT nbf is in the future')
  }
  if (iat !== undefined && now + tolerance < iat) {
    throw new TesseraError('ERR_JWT_NOT_YET_VALID', 'JWT iat is in the future')
  }
  if (options.maxTokenAgeSeconds !== undefined) {
    if (!(options.maxTokenAgeSeconds >= 0)) {
      invalidOption('maxTokenAgeSeconds', 'a number from 0', options.maxTokenAgeSeconds)
    }
    if (iat === undefined) throw invalid('JWT claim iat is required by maxTokenAgeSeconds')
    if (now - tolerance > iat + options.maxTokenAgeSeconds) {
      throw new TesseraError('ERR_JWT_EXPIRED', 'JWT is older than maxTokenAgeSeconds')
    }
  }
}

function normalizeTyp(typ: string | undefined): string | undefined {
  if (typ === undefined) return undefined
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}
