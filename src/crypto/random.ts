import { randomBytes, randomFillSync } from 'node:crypto'

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

const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let poolOffset = POOL_BYTES

/**
 * A random identifier that must be unique but is no secret (a JWT's `jti`), base64url: `bytes`
 * (at most 64) taken from a pool the CSPRNG refills 4 KiB at a time, as Node's `randomUUID`
 * does. `randomBytes` costs a call into OpenSSL per identifier, more than the HMAC of a token;
 * the pool holds identifiers not yet issued, so it is not for session ids or refresh tokens.
 */
export function uniqueId(bytes: number): string {
  if (!(bytes > 0 && bytes <= 64)) throw new RangeError('uniqueId takes 1 to 64 bytes')
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const start = poolOffset
  poolOffset += bytes
  return pool.toString('base64url', start, poolOffset)
}
