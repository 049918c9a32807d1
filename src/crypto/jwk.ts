import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { TesseraError } from '../errors.js'
import { decodeBase64url } from './base64url.js'

/** Asymmetric key kinds tessera generates and imports. */
export type AsymmetricKind = 'rsa' | 'ec' | 'ed25519'

/**
 * Turns a JWK into key material: an `oct` key into its secret bytes, any other into a private
 * KeyObject (when it has `d`) or a public one. Throws ERR_KEY_INVALID for anything node:crypto
 * cannot read; the message never contains key material.
 */
export function keyFromJwk(
  jwk: Readonly<Record<string, unknown>>,
  label: string,
): Buffer | KeyObject {
  if (jwk.kty === 'oct') {
    const bytes = typeof jwk.k === 'string' ? decodeBase64url(jwk.k) : null
    if (bytes === null) {
      throw new TesseraError('ERR_KEY_INVALID', `JWK ${label}: k must be canonical base64url`)
    }
    return bytes
  }
  try {
    const input = { key: jwk as JsonWebKey, format: 'jwk' } as const
    return jwk.d !== undefined ? createPrivateKey(input) : createPublicKey(input)
  } catch (cause) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      `JWK ${label} is not a valid ${String(jwk.kty)} key`,
      {
        cause,
      },
    )
  }
}

/** The public JWK members of a key (RFC 7517 §4); never private members. */
export function publicJwk(key: KeyObject, label: string): Record<string, unknown> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  try {
    return publicKey.export({ format: 'jwk' }) as Record<string, unknown>
  } catch (cause) {
    throw new TesseraError('ERR_KEY_INVALID', `key ${label} cannot be expressed as a JWK`, {
      cause,
    })
  }
}

/** A fresh private key: RSA of `modulusBits`, EC on `curve` (node's name) or Ed25519. */
export function generatePrivateKey(
  kind: AsymmetricKind,
  params: { modulusBits?: number | undefined; curve?: string | undefined } = {},
): KeyObject {
  switch (kind) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: params.modulusBits ?? 2048 }).privateKey
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: params.curve ?? 'prime256v1' }).privateKey
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey
  }
}
