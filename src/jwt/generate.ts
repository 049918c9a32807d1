import { generatePrivateKey } from '../crypto/jwk.js'
import { createKeyEntry, type JwsAlgorithm, type KeyEntry } from '../crypto/keyring.js'
import { randomBytesBuffer, randomId } from '../crypto/random.js'
import { TesseraError } from '../errors.js'
import { ALGORITHMS, isJwsAlgorithm } from './algorithms.js'

/**
 * A fresh key for `alg` with a random id, ready for `createKeyring`: HMAC keys are random bytes as
 * long as the hash output, RSA keys 2048 bits, EC keys on the algorithm's curve, EdDSA Ed25519.
 *
 * @example
 * const keyring = createKeyring([generateKey('EdDSA')])
 */
export function generateKey(alg: JwsAlgorithm): KeyEntry {
  if (!isJwsAlgorithm(alg)) {
    throw new TesseraError('ERR_KEY_INVALID', 'generateKey needs one of the JWS algorithms')
  }
  const spec = ALGORITHMS[alg]
  const id = randomId(16)
  if (spec.keyType === 'secret') {
    return createKeyEntry({ id, alg, key: randomBytesBuffer(spec.signatureBytes as number) })
  }
  const key = generatePrivateKey(spec.keyType, { curve: spec.curve ?? undefined })
  return createKeyEntry({ id, alg, key })
}
