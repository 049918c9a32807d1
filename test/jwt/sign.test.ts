import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyring, JWS_ALGORITHMS } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { generateKey } from '../../src/jwt/generate.js'
import { signJws, signJwt } from '../../src/jwt/sign.js'
import { decodeJwtUnsafe, verifyJws, verifyJwt } from '../../src/jwt/verify.js'

const now = new Date(Date.UTC(2026, 0, 1))
const nowSeconds = now.getTime() / 1000

describe('signJwt', () => {
  for (const alg of JWS_ALGORITHMS) {
    it(`round-trips claims with ${alg}`, () => {
      const keyring = createKeyring([generateKey(alg)])
      const token = signJwt({ sub: 'u1', exp: nowSeconds + 600 }, keyring, { typ: 'JWT' })
      const { header, payload, key } = verifyJwt(token, keyring, { now, typ: 'JWT' })
      assert.deepEqual({ ...header }, { alg, kid: keyring.primary.id, typ: 'JWT' })
      assert.deepEqual({ ...payload }, { sub: 'u1', exp: nowSeconds + 600 })
      assert.equal(key, keyring.primary)
    })
  }

  it('sets iat and exp from expiresInSeconds and the given clock', () => {
    const keyring = createKeyring([generateKey('HS256')])
    const token = signJwt({ sub: 'u1' }, keyring, { expiresInSeconds: 60, now })
    assert.deepEqual(decodeJwtUnsafe(token).payload, {
      iat: nowSeconds,
      sub: 'u1',
      exp: nowSeconds + 60,
    })
  })

  it('signs with the key named by keyId, and verifies with any key of the keyring', () => {
    const keyring = createKeyring([generateKey('ES256'), generateKey('EdDSA')])
    const second = keyring.entries[1]!
    const token = signJwt({ exp: nowSeconds + 1 }, keyring, { keyId: second.id })
    assert.equal(verifyJwt(token, keyring, { now }).key, second)
  })

  const refused: [string, () => unknown, string][] = [
    [
      'claims without exp',
      () => signJwt({ sub: 'x' }, [generateKey('HS256')]),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a string exp',
      () => signJwt({ exp: '1' as unknown as number }, [generateKey('HS256')]),
      'ERR_CONFIG_INVALID',
    ],
    [
      'an array of claims',
      () => signJwt([] as never, [generateKey('HS256')]),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a header that sets alg',
      () => signJws('x', [generateKey('HS256')], { header: { alg: 'none' } }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a header with crit',
      () => signJws('x', [generateKey('HS256')], { header: { crit: ['exp'] } }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a keyring of plain secrets only',
      () => signJws('x', [{ id: 'plain', key: Buffer.alloc(32, 1) }]),
      'ERR_KEY_INVALID',
    ],
    [
      'a public key',
      () => {
        const pair = generateKey('EdDSA')
        return signJws('x', [{ id: 'pub', alg: 'EdDSA', key: pair.publicKey! }])
      },
      'ERR_KEY_INVALID',
    ],
  ]
  for (const [name, fn, code] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(fn, (err: unknown) => isTesseraError(err, code as never))
    })
  }
})

describe('signJws', () => {
  it('signs arbitrary bytes with extra header parameters', () => {
    const keyring = createKeyring([generateKey('EdDSA')])
    const bytes = Buffer.from([0, 1, 2, 255])
    const jws = signJws(bytes, keyring, { header: { cty: 'application/octet-stream' } })
    const { header, payload } = verifyJws(jws, keyring)
    assert.equal(header.cty, 'application/octet-stream')
    assert.deepEqual(payload, bytes)
  })
})
