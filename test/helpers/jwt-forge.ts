import { encodeBase64url } from '../../src/crypto/base64url.js'
import type { KeyEntry } from '../../src/crypto/keyring.js'
import { signWithKey } from '../../src/jwt/algorithms.js'
import { isTesseraError, type TesseraErrorCode } from '../../src/errors.js'

/**
 * Builds a compact JWS from a raw header and payload (objects are JSON-encoded, strings used as
 * is) and signs it with `key` whatever the header says: a correctly signed hostile token.
 */
export function forgeJws(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  key: KeyEntry | null,
): string {
  const h = encodeBase64url(typeof header === 'string' ? header : JSON.stringify(header))
  const p = encodeBase64url(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const signature = key === null ? '' : encodeBase64url(signWithKey(key, `${h}.${p}`))
  return `${h}.${p}.${signature}`
}

/** An assert.throws matcher for a TesseraError with this code whose message omits `token`. */
export function tesseraError(code: TesseraErrorCode, token?: string): (err: unknown) => boolean {
  return (err) =>
    isTesseraError(err, code) &&
    (token === undefined || token.length < 8 || !err.message.includes(token))
}
