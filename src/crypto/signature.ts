import {
  constants,
  sign,
  verify,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto'
import { decodeBase64url } from './base64url.js'
import { safeEqualSameLength } from './hash.js'
import { hmac, hmacBase64url, type HmacHash } from './hmac.js'

/** How a JWS algorithm uses its key (RFC 7518 §3, RFC 8037 §3.1). */
export type SignatureScheme = 'hmac' | 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa'

/** The hash a scheme runs over the signing input; EdDSA hashes internally. */
export type SignatureHash = 'sha256' | 'sha384' | 'sha512' | null

/** Signs the JWS signing input; returns the raw signature bytes. */
export type SignBytes = (data: string | Uint8Array) => Buffer

/**
 * True when `signature`, as canonical base64url text (a JWS signature segment), is the right
 * signature of `data`. False for a non-canonical spelling of the right bytes. Never throws for bad
 * input.
 */
export type VerifyEncoded = (data: string, signature: string) => boolean

/** The key material a signer or verifier is built from: secret bytes or a KeyObject. */
export type SignatureKey = Buffer | KeyObject

/**
 * A signing function for one key and scheme, with every option object built once. ECDSA
 * signatures are JOSE's raw r‖s (`ieee-p1363`), not DER; PSS uses a salt as long as the hash.
 */
export function createSigner(
  scheme: SignatureScheme,
  hash: SignatureHash,
  key: SignatureKey,
): SignBytes {
  if (scheme === 'hmac') {
    const h = hash as HmacHash
    return (data) => hmac(h, key, data)
  }
  const input = keyOptions(scheme, key as KeyObject) as SignKeyObjectInput
  return (data) => sign(hash, typeof data === 'string' ? Buffer.from(data) : data, input)
}

/**
 * A verifying function for one key and scheme, taking the signature as base64url text. An HMAC
 * tag is computed as base64url and compared as text in constant time: that spares decoding the
 * signature and allocating a digest buffer, and, the computed text being canonical, refuses a
 * non-canonical spelling of the right tag. A signature of the wrong length is false without any
 * crypto.
 */
export function createVerifier(
  scheme: SignatureScheme,
  hash: SignatureHash,
  key: SignatureKey,
  signatureBytes: number | null,
): VerifyEncoded {
  if (scheme === 'hmac') {
    const h = hash as HmacHash
    // Unpadded base64url: 4 characters per 3 bytes, rounded up.
    const chars = Math.ceil(((signatureBytes as number) * 4) / 3)
    return (data, signature) =>
      signature.length === chars && safeEqualSameLength(hmacBase64url(h, key, data), signature)
  }
  const input = keyOptions(scheme, key as KeyObject) as VerifyKeyObjectInput
  return (data, signature) => {
    const bytes = decodeBase64url(signature)
    if (bytes === null || (signatureBytes !== null && bytes.length !== signatureBytes)) return false
    try {
      return verify(hash, Buffer.from(data), input, bytes)
    } catch {
      return false // e.g. an RSA signature whose integer is not below the modulus
    }
  }
}

function keyOptions(scheme: SignatureScheme, key: KeyObject): KeyObject | object {
  switch (scheme) {
    case 'ecdsa':
      return { key, dsaEncoding: 'ieee-p1363' }
    case 'pss':
      return {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
    case 'pkcs1': // PKCS#1 v1.5 is node's default padding for RSA keys
    case 'eddsa':
    case 'hmac':
      return key
  }
}
