/**
 * Every error tessera throws is a `TesseraError` with one of these stable codes.
 * A code is never reused for a different meaning; `docs/errors.md` documents each one.
 */
export const TESSERA_ERROR_CODES = [
  'ERR_CONFIG_INVALID',
  'ERR_KEY_INVALID',
  'ERR_COOKIE_INVALID',
  'ERR_TOKEN_MALFORMED',
  'ERR_SIGNATURE_INVALID',
  'ERR_SESSION_NOT_FOUND',
  'ERR_SESSION_EXPIRED',
  'ERR_SESSION_CONFLICT',
  'ERR_SESSION_DATA_INVALID',
  'ERR_JWT_ALG_NOT_ALLOWED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_CLAIM_INVALID',
  'ERR_REFRESH_TOKEN_INVALID',
  'ERR_REFRESH_TOKEN_REUSED',
  'ERR_CSRF_REJECTED',
  'ERR_STORE_UNAVAILABLE',
  'ERR_SESSION_NOT_MOUNTED',
] as const

/** The closed union of error codes; see `docs/errors.md`. */
export type TesseraErrorCode = (typeof TESSERA_ERROR_CODES)[number]

/**
 * The one error class of tessera. Messages name the option or value that was wrong and never
 * contain a token, a cookie value or a key; a driver's error is kept as `cause`.
 *
 * @example
 * throw new TesseraError('ERR_KEY_INVALID', `key "${id}" is ${key.length} bytes; need at least 32`)
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError'
  readonly code: TesseraErrorCode

  constructor(code: TesseraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * True when `err` is a TesseraError (optionally with the given code). Checks `name` and `code`
 * rather than `instanceof`, so it works when two copies of tessera are installed.
 *
 * @example
 * if (isTesseraError(err, 'ERR_JWT_EXPIRED')) return refresh()
 */
export function isTesseraError(err: unknown, code?: TesseraErrorCode): err is TesseraError {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { name?: unknown; code?: unknown }
  if (e.name !== 'TesseraError' || typeof e.code !== 'string') return false
  if (!(TESSERA_ERROR_CODES as readonly string[]).includes(e.code)) return false
  return code === undefined || e.code === code
}
