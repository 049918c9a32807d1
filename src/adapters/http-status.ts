// The one place where tessera's error codes become HTTP statuses, shared by the adapters
// (docs/errors.md lists the same mapping).
import { isTesseraError, TesseraError, type TesseraErrorCode } from '../errors.js'

/**
 * The HTTP status an adapter answers for an error code: configuration and cookie errors 500,
 * CSRF 403, an exhausted compare-and-set 409, the store 503; token and session codes mean
 * "no session", which is 401 where an endpoint requires one and never a 500.
 */
export function httpStatusOf(code: TesseraErrorCode): number {
  switch (code) {
    case 'ERR_CONFIG_INVALID':
    case 'ERR_KEY_INVALID':
    case 'ERR_COOKIE_INVALID':
    case 'ERR_SESSION_DATA_INVALID':
    case 'ERR_SESSION_NOT_MOUNTED':
      return 500
    case 'ERR_TOKEN_MALFORMED':
    case 'ERR_SIGNATURE_INVALID':
    case 'ERR_SESSION_NOT_FOUND':
    case 'ERR_SESSION_EXPIRED':
    case 'ERR_JWT_ALG_NOT_ALLOWED':
    case 'ERR_JWT_EXPIRED':
    case 'ERR_JWT_NOT_YET_VALID':
    case 'ERR_JWT_CLAIM_INVALID':
    case 'ERR_REFRESH_TOKEN_INVALID':
    case 'ERR_REFRESH_TOKEN_REUSED':
      return 401
    case 'ERR_SESSION_CONFLICT':
      return 409
    case 'ERR_CSRF_REJECTED':
      return 403
    case 'ERR_STORE_UNAVAILABLE':
      return 503
  }
}

/** The short text a client may see for a status: no internals, no reason an attacker could use. */
export function publicMessageOf(status: number): string {
  switch (status) {
    case 401:
      return 'No session.'
    case 403:
      return 'Cross-site request refused.'
    case 409:
      return 'The session was changed by another request; try again.'
    case 503:
      return 'Session store unavailable; try again shortly.'
    default:
      return 'Session error.'
  }
}

/**
 * The error an adapter hands to its framework's error path: same code, the public message,
 * `status`/`statusCode`/`expose` set, the original kept as `cause`. Other errors pass unchanged.
 */
export function toHttpError(err: unknown): unknown {
  if (!isTesseraError(err)) return err
  const status = httpStatusOf(err.code)
  const out = new TesseraError(err.code, publicMessageOf(status), { cause: err })
  // Express's default handler prints err.stack unless NODE_ENV=production (EH-1): keep it to
  // the public message. The original error, stack and all, stays in `cause` for logs.
  out.stack = `${out.name}: ${out.message}`
  return Object.assign(out, { status, statusCode: status, expose: true })
}
