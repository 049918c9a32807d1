import { randomBytes } from 'node:crypto'

/** Bytes of entropy in a session id, refresh token or handle: 256 bits. */
export const RANDOM_ID_BYTES = 32

/**
 * A fresh random identifier from the operating system's CSPRNG, base64url without padding
 * (32 bytes give 43 characters).
 *
 * @example
 * const sessionId = randomId() // 'q3Xb…' (43 characters)
 */
export function randomId(bytes: number = RANDOM_ID_BYTES): string {
  return randomBytes(bytes).toString('base64url')
}

/** Fresh random bytes from the operating system's CSPRNG. */
export function randomBytesBuffer(bytes: number): Buffer {
  return randomBytes(bytes)
}
