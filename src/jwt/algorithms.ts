import type { JwsAlgorithm, KeyEntry } from '../crypto/keyring.js'
import { JWS_ALGORITHMS, secretKeyObject } from '../crypto/keyring.js'
import {
  createSigner,
  createVerifier,
  type SignatureHash,
  type SignatureScheme,
  type SignBytes,
  type VerifyEncoded,
} from '../crypto/signature.js'
import { encodeBase64url } from '../crypto/base64url.js'
import { hmacBase64url, type HmacHash } from '../crypto/hmac.js'
import { TesseraError } from '../errors.js'

/** What an algorithm needs from node:crypto and from its key. */
export interface AlgorithmSpec {
  readonly scheme: SignatureScheme
  readonly hash: SignatureHash
  /** The key type: raw secret bytes or an asymmetric key of this kind. */
  readonly keyType: 'secret' | 'rsa' | 'ec' | 'ed25519'
  /** The EC curve (node's name), for ES*. */
  readonly curve: string | null
  /** The exact signature length in bytes, when fixed by the algorithm (RSA: the modulus). */
  readonly signatureBytes: number | null
}

function spec(
  scheme: SignatureScheme,
  hash: SignatureHash,
  keyType: AlgorithmSpec['keyType'],
  signatureBytes: number | null = null,
  curve: string | null = null,
): AlgorithmSpec {
  return Object.freeze({ scheme, hash, keyType, curve, signatureBytes })
}

/** RFC 7518 §3.1 and RFC 8037 §3.1: every algorithm tessera implements. `none` is not one. */
export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze({
  HS256: spec('hmac', 'sha256', 'secret', 32),
  HS384: spec('hmac', 'sha384', 'secret', 48),
  HS512: spec('hmac', 'sha512', 'secret', 64),
  RS256: spec('pkcs1', 'sha256', 'rsa'),
  RS384: spec('pkcs1', 'sha384', 'rsa'),
  RS512: spec('pkcs1', 'sha512', 'rsa'),
  PS256: spec('pss', 'sha256', 'rsa'),
  PS384: spec('pss', 'sha384', 'rsa'),
  PS512: spec('pss', 'sha512', 'rsa'),
  // RFC 7518 §3.4: R and S as fixed-length big-endian integers, concatenated.
  ES256: spec('ecdsa', 'sha256', 'ec', 64, 'prime256v1'),
  ES384: spec('ecdsa', 'sha384', 'ec', 96, 'secp384r1'),
  ES512: spec('ecdsa', 'sha512', 'ec', 132, 'secp521r1'),
  EdDSA: spec('eddsa', null, 'ed25519', 64),
})

/**
 * True for one of the algorithm names tessera implements, compared exactly: `none`, `NONE`,
 * `hs256` and every other spelling are not.
 */
export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value)
}

export { JWS_ALGORITHMS }

interface KeyFunctions {
  sign: SignBytes | null
  /** The signature as base64url text (a JWS signature segment); null for a public key. */
  signEncoded: ((data: string) => string) | null
  verify: VerifyEncoded
}

// Built once per key: node:crypto option objects and closures, so the hot path allocates little.
const prepared = new WeakMap<KeyEntry, KeyFunctions>()

function prepare(entry: KeyEntry): KeyFunctions {
  let fns = prepared.get(entry)
  if (fns !== undefined) return fns
  const alg = entry.alg
  if (alg === null) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${entry.id}" is a plain secret; bind it to a JWS algorithm with alg`,
    )
  }
  const { scheme, hash } = ALGORITHMS[alg]
  if (scheme === 'hmac') {
    // A KeyObject spares createHmac from importing the raw bytes on every call.
    const secret = secretKeyObject(entry.secret as Buffer)
    const h = hash as HmacHash
    fns = {
      sign: createSigner(scheme, hash, secret),
      // The tag straight to base64url: no digest Buffer, no second encoding pass.
      signEncoded: (data) => hmacBase64url(h, secret, data),
      verify: createVerifier(scheme, hash, secret, ALGORITHMS[alg].signatureBytes),
    }
  } else {
    const publicKey = entry.publicKey!
    const bits = publicKey.asymmetricKeyDetails?.modulusLength
    const length = bits === undefined ? ALGORITHMS[alg].signatureBytes : Math.ceil(bits / 8)
    const sign = entry.privateKey === null ? null : createSigner(scheme, hash, entry.privateKey)
    fns = {
      sign,
      signEncoded: sign === null ? null : (data) => encodeBase64url(sign(data)),
      verify: createVerifier(scheme, hash, publicKey, length),
    }
  }
  prepared.set(entry, fns)
  return fns
}

/** Signs `data` with `entry` under its own algorithm. Throws ERR_KEY_INVALID for a public key. */
export function signWithKey(entry: KeyEntry, data: string | Uint8Array): Buffer {
  const { sign } = prepare(entry)
  if (sign === null) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${entry.id}" is a public key; signing needs the private key`,
    )
  }
  return sign(data)
}

/**
 * The signing function of `entry` under its own algorithm, giving the signature as base64url
 * text (the JWS signature segment), for a caller that signs many times with one key. Throws
 * ERR_KEY_INVALID for a public key.
 */
export function encodedSignerOf(entry: KeyEntry): (data: string) => string {
  const { signEncoded } = prepare(entry)
  if (signEncoded === null) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `key "${entry.id}" is a public key; signing needs the private key`,
    )
  }
  return signEncoded
}

/**
 * Verifies `signature` (base64url text, as in a JWS) over `data` with `entry` under its own
 * algorithm. False for a wrong or non-canonical signature.
 */
export function verifyWithKey(entry: KeyEntry, data: string, signature: string): boolean {
  return prepare(entry).verify(data, signature)
}
