import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { TesseraError } from '../errors.js'

/** AES-256-GCM nonce length: 96 bits, the size GCM is specified for. */
export const AEAD_IV_BYTES = 12
/** AES-256-GCM tag length: the full 128 bits. */
export const AEAD_TAG_BYTES = 16
/** AES-256 key length. */
export const AEAD_KEY_BYTES = 32

/**
 * Encrypts and authenticates `plaintext` with AES-256-GCM under a fresh random nonce, binding
 * `associatedData` (authenticated, not encrypted). Output: nonce ‖ ciphertext ‖ tag.
 *
 * @example
 * const box = aeadSeal(key, Buffer.from('{"a":1}'), Buffer.from('tessera.session'))
 */
export function aeadSeal(
  key: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): Buffer {
  checkKey(key)
  const iv = nextNonce()
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AEAD_TAG_BYTES })
  cipher.setAAD(associatedData)
  const head = cipher.update(plaintext)
  const tail = cipher.final()
  return Buffer.concat([iv, head, tail, cipher.getAuthTag()])
}

/**
 * Opens what `aeadSeal` produced. Returns null if the box is too short, was made with another
 * key or associated data, or any byte of it was changed.
 */
export function aeadOpen(
  key: Uint8Array,
  box: Uint8Array,
  associatedData: Uint8Array,
): Buffer | null {
  checkKey(key)
  if (box.length < AEAD_IV_BYTES + AEAD_TAG_BYTES) return null
  const iv = box.subarray(0, AEAD_IV_BYTES)
  const tag = box.subarray(box.length - AEAD_TAG_BYTES)
  const body = box.subarray(AEAD_IV_BYTES, box.length - AEAD_TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: AEAD_TAG_BYTES })
    decipher.setAAD(associatedData)
    decipher.setAuthTag(tag)
    const head = decipher.update(body)
    const tail = decipher.final() // GCM is a stream mode: final() yields no bytes, only the check
    return tail.length === 0 ? head : Buffer.concat([head, tail])
  } catch {
    return null // the tag did not verify
  }
}

/**
 * Derives a key for one purpose from a master secret with HKDF-SHA256 (RFC 5869), so that one
 * configured secret never serves two purposes directly.
 *
 * @example
 * const sealKey = deriveKey(secret, 'tessera/sealed/v1/session', 32)
 */
export function deriveKey(secret: Uint8Array, purpose: string, lengthBytes: number = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, lengthBytes))
}

// Nonces come from a pool filled by the CSPRNG 256 at a time (as Node's randomUUID caches its
// entropy): one randomBytes call costs microseconds, several times the encryption of a cookie.
// Each refill allocates a new buffer, so a nonce handed out is never overwritten, and Node never
// fork(2)s a running process (cluster workers are spawned), so no two processes share a pool.
const NONCE_POOL_COUNT = 256
let noncePool = Buffer.alloc(0)
let noncePoolOffset = 0

function nextNonce(): Buffer {
  if (noncePoolOffset >= noncePool.length) {
    noncePool = randomBytes(AEAD_IV_BYTES * NONCE_POOL_COUNT)
    noncePoolOffset = 0
  }
  const nonce = noncePool.subarray(noncePoolOffset, noncePoolOffset + AEAD_IV_BYTES)
  noncePoolOffset += AEAD_IV_BYTES
  return nonce
}

function checkKey(key: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `AES-256-GCM needs a ${AEAD_KEY_BYTES}-byte key; got ${key.length} bytes`,
    )
  }
}
