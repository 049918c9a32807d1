import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyring } from '../../src/crypto/keyring.js'
import { generateKey } from '../../src/jwt/generate.js'
import { exportJwks, importJwk } from '../../src/jwt/jwks.js'
import { signJwt } from '../../src/jwt/sign.js'
import { verifyJwt } from '../../src/jwt/verify.js'
import { tesseraError } from '../helpers/jwt-forge.js'

const now = new Date(Date.UTC(2026, 0, 1))
const exp = now.getTime() / 1000 + 60
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']

describe('exportJwks', () => {
  const keyring = createKeyring([
    generateKey('EdDSA'),
    generateKey('HS256'),
    generateKey('RS256'),
    generateKey('ES384'),
    { id: 'cookie', key: Buffer.alloc(32, 1) },
  ])
  const jwks = exportJwks(keyring)

  it('exports each asymmetric key with kid, alg and use: sig, in keyring order', () => {
    assert.deepEqual(
      jwks.keys.map((k) => [k.kid, k.alg, k.use, k.kty]),
      [
        [keyring.entries[0]!.id, 'EdDSA', 'sig', 'OKP'],
        [keyring.entries[2]!.id, 'RS256', 'sig', 'RSA'],
        [keyring.entries[3]!.id, 'ES384', 'sig', 'EC'],
      ],
    )
  })

  it('never exports an HMAC key, a plain secret or a private member', () => {
    assert.equal(
      jwks.keys.some((k) => k.kty === 'oct'),
      false,
    )
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, member)
    }
  })

  it('gives keys that importJwk turns back into verifiers', () => {
    const ring = createKeyring(jwks.keys.map((jwk) => importJwk(jwk)))
    for (const id of [keyring.entries[0]!.id, keyring.entries[3]!.id]) {
      const token = signJwt({ exp }, keyring, { keyId: id })
      assert.equal(verifyJwt(token, ring, { now }).key.id, id)
    }
  })
})

describe('importJwk', () => {
  const ed = generateKey('EdDSA')
  const publicJwk = exportJwks([ed]).keys[0]!

  it('takes the id from the JWK or the options, and infers the alg from an OKP or EC curve', () => {
    const bare = { ...publicJwk, alg: undefined, kid: undefined, use: undefined }
    const entry = importJwk(bare, { id: 'named' })
    assert.equal(entry.id, 'named')
    assert.equal(entry.alg, 'EdDSA')
    assert.equal(importJwk(publicJwk).id, ed.id)
  })

  it('imports an oct JWK as an HMAC key of at least the hash size', () => {
    const k = Buffer.alloc(48, 3).toString('base64url')
    assert.equal(importJwk({ kty: 'oct', k }, { alg: 'HS384', id: 'h' }).secret?.length, 48)
    assert.throws(
      () => importJwk({ kty: 'oct', k }, { alg: 'HS512', id: 'h' }),
      tesseraError('ERR_KEY_INVALID'),
    )
  })

  const refused: [string, () => unknown][] = [
    ['a JWK whose alg conflicts with the option', () => importJwk(publicJwk, { alg: 'ES256' })],
    ['a JWK with alg none', () => importJwk({ ...publicJwk, alg: 'none' })],
    [
      'an RSA JWK without alg',
      () => importJwk({ ...exportJwks([generateKey('RS256')]).keys[0]!, alg: undefined }),
    ],
    ['a JWK without kid or id', () => importJwk({ ...publicJwk, kid: undefined })],
    ['an encryption key', () => importJwk({ ...publicJwk, use: 'enc' })],
    [
      'an oct JWK with padded k',
      () => importJwk({ kty: 'oct', k: 'AAAA=' }, { alg: 'HS256', id: 'h' }),
    ],
    [
      'an Ed25519 key bound to ES256',
      () => importJwk({ ...publicJwk, alg: undefined }, { alg: 'ES256' }),
    ],
    ['a broken EC point', () => importJwk({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: 'e' })],
    ['not an object', () => importJwk('{"kty":"oct"}' as never)],
  ]
  for (const [name, fn] of refused) {
    it(`refuses ${name}`, () => assert.throws(fn, tesseraError('ERR_KEY_INVALID')))
  }
})

describe('generateKey', () => {
  it('makes HMAC keys as long as the hash output, with distinct random ids', () => {
    assert.equal(generateKey('HS256').secret?.length, 32)
    assert.equal(generateKey('HS384').secret?.length, 48)
    assert.equal(generateKey('HS512').secret?.length, 64)
    assert.notEqual(generateKey('HS256').id, generateKey('HS256').id)
  })

  it('makes asymmetric keys of the algorithm curve or size', () => {
    assert.equal(generateKey('ES512').publicKey?.asymmetricKeyDetails?.namedCurve, 'secp521r1')
    assert.equal(generateKey('PS256').publicKey?.asymmetricKeyDetails?.modulusLength, 2048)
    assert.equal(generateKey('EdDSA').privateKey?.asymmetricKeyType, 'ed25519')
  })

  it('refuses alg none', () => {
    assert.throws(() => generateKey('none' as never), tesseraError('ERR_KEY_INVALID'))
  })
})
