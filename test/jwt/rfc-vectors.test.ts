import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeBase64url } from '../../src/crypto/base64url.js'
import { createKeyring, type JwsAlgorithm } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { signWithKey, verifyWithKey } from '../../src/jwt/algorithms.js'
import { generateKey } from '../../src/jwt/generate.js'
import { importJwk } from '../../src/jwt/jwks.js'
import { signJws } from '../../src/jwt/sign.js'
import { verifyJws, verifyJwt } from '../../src/jwt/verify.js'
import { JWS_VECTORS } from '../helpers/jws-vectors.js'

// RFC 7515's claims sets expire at 1300819380 (2011-03-22T18:43:00Z).
const beforeExpiry = new Date(1300819300 * 1000)
const afterExpiry = new Date(1300819381 * 1000)

describe('RFC JWS examples', () => {
  it('covers RFC 7515 A.1–A.5, RFC 7520 §4.1–4.4 and RFC 8037', () => {
    assert.equal(JWS_VECTORS.length, 10)
  })

  for (const v of JWS_VECTORS) {
    if (!v.expected.verify) {
      it(`${v.id}: rejects alg ${v.alg} whatever the keyring holds`, () => {
        const keyring = createKeyring([generateKey('HS256'), generateKey('EdDSA')])
        // verifyJws takes no `now` (an unknown option is refused): each gets its own options.
        const calls = [
          () => verifyJws(v.compact, keyring),
          () => verifyJwt(v.compact, keyring, { now: beforeExpiry }),
        ]
        for (const call of calls) {
          assert.throws(call, (err: unknown) => isTesseraError(err, 'ERR_JWT_ALG_NOT_ALLOWED'))
        }
      })
      continue
    }
    const alg = v.alg as JwsAlgorithm
    const kid = v.protectedHeader.kid as string | undefined
    const id = kid ?? `${v.id}-key`
    const publicRing = createKeyring([importJwk(v.publicKey!, { alg, id })])
    const privateEntry = importJwk(v.key!, { alg, id })
    const signingInput = `${v.protectedHeaderB64}.${v.payloadB64}`

    it(`${v.id}: verifies the RFC's ${alg} signature and returns the exact payload`, () => {
      const { header, payload, key } = verifyJws(v.compact, publicRing)
      assert.deepEqual({ ...header }, v.protectedHeader)
      assert.equal(payload.toString('utf8'), v.payloadUtf8)
      assert.equal(key.id, id)
    })

    if (v.expected.signMatchesCompact) {
      it(`${v.id}: reproduces the ${alg} signature byte for byte`, () => {
        assert.equal(encodeBase64url(signWithKey(privateEntry, signingInput)), v.signatureB64)
      })
    } else {
      it(`${v.id}: a fresh ${alg} signature of the same octets verifies`, () => {
        const fresh = signWithKey(privateEntry, signingInput)
        assert.equal(verifyWithKey(publicRing.primary, signingInput, encodeBase64url(fresh)), true)
      })
    }

    it(`${v.id}: signJws output verifies with the public key`, () => {
      const jws = signJws(Buffer.from(v.payloadUtf8, 'utf8'), [privateEntry], {
        includeKid: kid !== undefined,
      })
      if (v.deterministic && JSON.stringify(v.protectedHeader) === v.protectedHeaderUtf8) {
        assert.equal(jws, v.compact)
      }
      assert.equal(verifyJws(jws, publicRing).payload.toString('utf8'), v.payloadUtf8)
    })

    if (v.payloadJson) {
      it(`${v.id}: as a JWT, accepts before exp and reports expiry after it`, () => {
        const { payload } = verifyJwt(v.compact, publicRing, { now: beforeExpiry })
        assert.deepEqual({ ...payload }, v.payloadJson)
        assert.throws(
          () => verifyJwt(v.compact, publicRing, { now: afterExpiry }),
          (err: unknown) => isTesseraError(err, 'ERR_JWT_EXPIRED'),
        )
      })
    } else {
      it(`${v.id}: as a JWT, refuses a payload that is not a JSON object`, () => {
        assert.throws(
          () => verifyJwt(v.compact, publicRing, { now: beforeExpiry }),
          (err: unknown) => isTesseraError(err, 'ERR_TOKEN_MALFORMED'),
        )
      })
    }
  }
})
