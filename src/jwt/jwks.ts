import { createKeyEntry, type KeyEntry, type KeyInput, type Keyring } from '../crypto/keyring.js'
import { rejectUnknown } from '../options.js'
import { keyFromJwk, publicJwk } from '../crypto/jwk.js'
import { toKeyring } from '../crypto/keyring.js'
import { TesseraError } from '../errors.js'
import { isJwsAlgorithm } from './algorithms.js'
import type { JwsAlgorithm } from '../crypto/keyring.js'

/** A JSON Web Key as parsed from JSON (RFC 7517). */
export type Jwk = Readonly<Record<string, unknown>>

/** A public JWK Set: what `exportJwks` returns and what verifiers elsewhere fetch. */
export interface JwkSet {
  readonly keys: readonly Jwk[]
}

/** Options for `importJwk`. */
export interface ImportJwkOptions {
  /** The algorithm to bind the key to; must agree with the JWK's own `alg` when it has one. */
  readonly alg?: JwsAlgorithm
  /** The key id; default the JWK's `kid`. */
  readonly id?: string
}

// The curve fixes the algorithm, so these JWKs need no alg (RFC 7518 §3.4, RFC 8037 §3.1).
const ALG_BY_CURVE: Readonly<Record<string, JwsAlgorithm>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
}

function refuse(message: string): TesseraError {
  return new TesseraError('ERR_KEY_INVALID', message)
}

/**
 * Imports a public or private JWK as a keyring entry bound to one algorithm: `options.alg`, the
 * JWK's `alg`, or (for EC and Ed25519) the one its curve allows. The id is `options.id` or the
 * JWK's `kid`. Throws ERR_KEY_INVALID for a conflicting `alg`, a `use` other than `sig`, a missing
 * id, or a key that does not fit the algorithm. Synchronous (awaiting it is harmless).
 *
 * @example
 * const keyring = createKeyring([importJwk(jwk, { alg: 'EdDSA' })])
 */
export function importJwk(jwk: Jwk, options: ImportJwkOptions = {}): KeyEntry {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw refuse('a JWK must be a JSON object')
  }
  rejectUnknown(options, ['alg', 'id'], 'importJwk()')
  const id = options.id ?? jwk.kid
  if (typeof id !== 'string') throw refuse('the JWK has no kid; pass { id }')
  if (jwk.alg !== undefined && options.alg !== undefined && jwk.alg !== options.alg) {
    throw refuse(`JWK "${id}" is for ${String(jwk.alg)}, not ${options.alg}`)
  }
  const alg =
    options.alg ?? jwk.alg ?? (typeof jwk.crv === 'string' ? ALG_BY_CURVE[jwk.crv] : undefined)
  if (!isJwsAlgorithm(alg)) {
    throw refuse(
      `JWK "${id}" needs a JWS algorithm (pass { alg }); none and unknown ones are refused`,
    )
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw refuse(`JWK "${id}" has use "${String(jwk.use)}"; only sig keys are imported`)
  }
  const input: KeyInput = { id, alg, key: keyFromJwk(jwk, `"${id}"`) }
  return createKeyEntry(input)
}

/**
 * The keyring's public keys as a JWK Set, each with `kid`, `alg` and `use: 'sig'`. HMAC keys and
 * plain secrets are never exported, and no private member ever is.
 *
 * @example
 * app.get('/.well-known/jwks.json', (_req, res) => res.json(exportJwks(keyring)))
 */
export function exportJwks(keys: Keyring | readonly (KeyInput | KeyEntry)[]): JwkSet {
  const keyring = toKeyring(keys)
  const out: Jwk[] = []
  for (const entry of keyring.entries) {
    if (entry.publicKey === null || entry.alg === null) continue
    out.push({
      ...publicJwk(entry.publicKey, `"${entry.id}"`),
      kid: entry.id,
      alg: entry.alg,
      use: 'sig',
    })
  }
  return { keys: out }
}
