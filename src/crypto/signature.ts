import {
  constants,
  createHmac,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto'

/** How a JWS algorithm uses its key (RFC 7518 §3, RFC 8037 §3.1). */
export type SignatureScheme = 'hmac' | 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa'

/** The hash a scheme runs over the signing input; EdDSA hashes internally. */
export type SignatureHash = 'sha256' | 'sha384' | 'sha512' | null

/** Signs the JWS signing input; returns the raw signature bytes. */
export type SignBytes = (data: string | Uint8Array) => Buffer

/** True when `signature` is the right signature of `data`. Never throws for bad input. */
export type VerifyBytes = (data: string | Uint8Array, signature: Uint8Array) => boolean

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
    const h = hash as 'sha256'
    return (data) => createHmac(h, key).update(data).digest()
  }
  const input = keyOptions(scheme, key as KeyObject) as SignKeyObjectInput
  return (data) => sign(hash, typeof data === 'string' ? Buffer.from(data) : data, input)
}

/**
 * A verifying function for one key and scheme. HMAC tags are compared as raw bytes in constant
 * time; a signature of the wrong length is false without any crypto.
 */
export function createVerifier(
  scheme: SignatureScheme,
  hash: SignatureHash,
  key: SignatureKey,
  signatureBytes: number | null,
): VerifyBytes {
  if (scheme === 'hmac') {
    const h = hash as 'sha256'
    return (data, signature) =>
      signature.length === signatureBytes &&
      timingSafeEqual(createHmac(h, key).update(data).digest(), signature)
  }
  const input = keyOptions(scheme, key as KeyObject) as VerifyKeyObjectInput
  return (data, signature) => {
    if (signatureBytes !== null && signature.length !== signatureBytes) return false
    try {
      return verify(hash, typeof data === 'string' ? Buffer.from(data) : data, input, signature)
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
