import { createHash, timingSafeEqual } from 'node:crypto'

/** SHA-256 of a string (UTF-8) or bytes, as base64url: what stores keep instead of a secret id. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url')
}

/** SHA-256 of a string (UTF-8) or bytes, as raw bytes. */
export function sha256Bytes(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest()
}

/**
 * Constant-time equality for strings of any length. `crypto.timingSafeEqual` needs inputs of equal
 * length; comparing SHA-256 digests makes the time independent of where the inputs differ and of
 * their lengths.
 *
 * @example
 * if (!safeEqual(submittedToken, expectedToken)) reject()
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256Bytes(a), sha256Bytes(b))
}

/** Constant-time equality for two byte arrays; false (without comparing) when lengths differ. */
export function safeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
