// CSRF defence for cookie-authenticated requests (docs/security-requirements.md: CS-1..CS-4): a
// pure decision from the browser's own headers (Fetch Metadata, then Origin, then Referer), and a
// per-session synchronizer token for HTML forms, bound to the session's secret-derived key so it
// rotates whenever the session id does (FX-2). A visitor without a session gets a stateless
// token instead, bound to a random pre-session cookie (signed double submit), so that rendering
// a form stores nothing.
import { deriveKey } from '../crypto/aead.js'
import { encodeBase64url } from '../crypto/base64url.js'
import { safeEqual } from '../crypto/hash.js'
import { hmacSha256 } from '../crypto/hmac.js'
import { secretKeyObject, type Keyring } from '../crypto/keyring.js'
import { ANONYMOUS_CSRF_PURPOSE, CSRF_PURPOSE } from './carrier-keys.js'

/** The request headers the CSRF decision looks at. Header values are raw. */
export interface CsrfRequest {
  /** The HTTP method, any case. */
  readonly method: string
  readonly origin?: string | undefined
  readonly secFetchSite?: string | undefined
  readonly referer?: string | undefined
  /** The host the request was addressed to (`Host`, or the trusted forwarded host). */
  readonly host?: string | undefined
  /** True when the request arrived over HTTPS: the expected origin is then `https://host`. */
  readonly secure: boolean
}

/** The outcome of `checkCsrf`: allowed, or refused with a reason for logs (never for clients). */
export type CsrfDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string }

const ALLOWED: CsrfDecision = Object.freeze({ ok: true })
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * Decides whether a request may change state, from the headers a browser sets and a page cannot
 * forge. Safe methods always pass (they must not change state, CS-4). Otherwise
 * `Sec-Fetch-Site` decides when present (`same-origin` or `none` pass; `same-site` does not, as
 * sibling subdomains are not trusted); else `Origin` must equal the request's own origin or an
 * allowed one (`null` never passes); else a `Referer` must; a request with none of the three is
 * not a browser's cross-site request and passes (the form token of `csrf()` covers it).
 * `allowedOrigins` are other exact origins (`scheme://host[:port]`) allowed to post.
 *
 * @example
 * checkCsrf({ method: 'POST', origin: 'https://evil.example', host: 'app.example', secure: true })
 * // → { ok: false, reason: 'Origin https://evil.example is not https://app.example' }
 */
export function checkCsrf(
  request: CsrfRequest,
  allowedOrigins: readonly string[] = [],
): CsrfDecision {
  const method = request.method
  if (method === 'GET' || SAFE_METHODS.has(method.toUpperCase())) return ALLOWED
  const site = request.secFetchSite
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return ALLOWED
    return { ok: false, reason: `Sec-Fetch-Site is ${site.slice(0, 20)}` }
  }
  const own = request.host === undefined ? undefined : ownOrigin(request)
  if (request.origin !== undefined) {
    if (request.origin === own || allowedOrigins.includes(request.origin)) {
      return ALLOWED
    }
    return {
      ok: false,
      reason:
        `Origin ${request.origin.slice(0, 100)} is not ${own ?? 'known'}` +
        behindProxyHint(request, request.origin),
    }
  }
  if (request.referer !== undefined) {
    const origin = originOf(request.referer)
    if (origin !== null && (origin === own || allowedOrigins.includes(origin))) {
      return ALLOWED
    }
    return {
      ok: false,
      reason: 'Referer is from another origin' + behindProxyHint(request, origin),
    }
  }
  return ALLOWED
}

/**
 * When the browser's origin is this very host over HTTPS but the request arrived as plain HTTP,
 * the usual cause is a TLS-terminating proxy the framework does not trust: say so.
 */
function behindProxyHint(request: CsrfRequest, origin: string | null): string {
  if (request.secure || request.host === undefined || origin !== `https://${request.host}`) {
    return ''
  }
  return (
    ' (the request arrived over plain HTTP: behind a TLS-terminating proxy, let the framework ' +
    "trust it, e.g. Express's app.set('trust proxy', 1), so that the request counts as HTTPS)"
  )
}

function ownOrigin(request: CsrfRequest): string {
  return `${request.secure ? 'https' : 'http'}://${request.host ?? ''}`
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/** Issues and verifies per-session CSRF tokens for HTML forms. */
export interface CsrfTokens {
  /** The token for a session whose secret-derived key is `binding` (43 base64url characters). */
  issue(binding: string): string
  /** True when `token` was issued for `binding` under any key of the keyring; constant time. */
  verify(binding: string, token: unknown): boolean
  /**
   * The token for a visitor without a session, bound to the random value of its pre-session
   * cookie (`PRE_SESSION_VALUE`); a separate derived key, so it is never a per-session token.
   */
  issueAnonymous(preSession: string): string
  /** True when `token` was issued by `issueAnonymous` for `preSession`; constant time. */
  verifyAnonymous(preSession: string | null | undefined, token: unknown): boolean
}

const TOKEN_LENGTH = 43
/** The shape of a pre-session cookie's value: 256 random bits, base64url. */
export const PRE_SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/

/**
 * Makes the CSRF token helpers from a keyring: HMAC-SHA256 of the session's binding under a
 * key derived (HKDF) for this one purpose from each secret, so tokens survive key rotation.
 *
 * @example
 * const csrf = createCsrfTokens(keyring)
 * csrf.verify(record.idHash, req.body._csrf)
 */
export function createCsrfTokens(keyring: Keyring): CsrfTokens {
  const perSession = hmacTokens(keyring, CSRF_PURPOSE)
  const anonymous = hmacTokens(keyring, ANONYMOUS_CSRF_PURPOSE)
  return {
    issue: perSession.issue,
    verify: perSession.verify,
    issueAnonymous: anonymous.issue,
    verifyAnonymous: (preSession, token) =>
      typeof preSession === 'string' &&
      PRE_SESSION_VALUE.test(preSession) &&
      anonymous.verify(preSession, token),
  }
}

function hmacTokens(keyring: Keyring, purpose: string): Pick<CsrfTokens, 'issue' | 'verify'> {
  const keys = keyring.secrets.map((entry) =>
    secretKeyObject(deriveKey(entry.secret as Buffer, purpose)),
  )
  const primary = keys[0] as ReturnType<typeof secretKeyObject>
  return {
    issue: (binding) => encodeBase64url(hmacSha256(primary, binding)),
    verify(binding, token) {
      if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return false
      let ok = false
      for (const key of keys) {
        // Every key is tried, so the time does not say which one matched.
        if (safeEqual(token, encodeBase64url(hmacSha256(key, binding)))) ok = true
      }
      return ok
    },
  }
}
