import { createHmac, type KeyObject } from 'node:crypto'

/** The hash functions HMAC is used with here. */
export type HmacHash = 'sha256' | 'sha384' | 'sha512'

/** HMAC-SHA256 of `data` under `key`, as raw bytes (32). */
export function hmacSha256(key: Uint8Array | KeyObject, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/** HMAC with the given hash, as raw bytes. */
export function hmac(
  hash: HmacHash,
  key: Uint8Array | KeyObject,
  data: string | Uint8Array,
): Buffer {
  return createHmac(hash, key).update(data).digest()
}

/**
 * HMAC with the given hash, as base64url without padding (43 characters for SHA-256): cheaper
 * than the raw bytes when the tag is compared as text, as MACs in cookies and JWS are, because no
 * digest Buffer is allocated.
 */
export function hmacBase64url(
  hash: HmacHash,
  key: Uint8Array | KeyObject,
  data: string | Uint8Array,
): string {
  return createHmac(hash, key).update(data).digest('base64url')
}
