import { hash, timingSafeEqual } from 'node:crypto'

// `crypto.hash` (Node >= 20.12, the engines floor is 20.19) is the one-shot form: no Hash object
// per call, about half the cost of createHash().update().digest() for a session id.

/** SHA-256 of a string (UTF-8) or bytes, as base64url: what stores keep instead of a secret id. */
export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data, 'base64url')
}

/** SHA-256 of a string (UTF-8) or bytes, as raw bytes. */
export function sha256Bytes(data: string | Uint8Array): Buffer {
  return hash('sha256', data, 'buffer')
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

/**
 * Constant-time equality for two strings expected to have the same length, such as a computed
 * and a received base64url MAC: every character is visited whatever the contents, so the time
 * depends only on the length (which is public). False at once when the lengths differ.
 */
export function safeEqualSameLength(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
