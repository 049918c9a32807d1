import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { aeadOpen, aeadSeal, deriveKey } from '../../src/crypto/aead.js'
import { decodeBase64url, encodeBase64url } from '../../src/crypto/base64url.js'
import { safeEqual, safeEqualSameLength, sha256 } from '../../src/crypto/hash.js'
import { hmac, hmacBase64url, hmacSha256 } from '../../src/crypto/hmac.js'
import { randomId, uniqueId } from '../../src/crypto/random.js'
import { isTesseraError } from '../../src/errors.js'

describe('base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array(),
        (bytes) => decodeBase64url(encodeBase64url(bytes))?.equals(Buffer.from(bytes)) === true,
      ),
    )
  })
  const refused = [
    ['padding', 'YQ=='],
    ['standard-alphabet +', 'a+b/'],
    ['whitespace', 'YW Jj'],
    ['a length of 4n+1', 'YWJjZ'],
    ['non-zero trailing bits (2 chars)', 'YR'],
    ['non-zero trailing bits (3 chars)', 'YWJ'],
    ['non-ASCII', 'YWJjé'],
  ] as const
  for (const [name, input] of refused) {
    it(`refuses ${name}`, () => assert.equal(decodeBase64url(input), null))
  }
  it('accepts exactly the strings a strict alphabet-and-trailing-bits check accepts', () => {
    const reference = (text: string): boolean => {
      if (text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) return false
      const bytes = Buffer.from(text, 'base64url')
      return bytes.toString('base64url') === text
    }
    const tricky = fc.constantFrom(...'AQgw-_+/= .!\u0000\u016b\u00e9\ud800ab09'.split(''))
    const text = fc.oneof(
      fc.string({ unit: tricky }),
      fc.string({ unit: 'binary' }),
      fc.uint8Array().map((b) => Buffer.from(b).toString('base64url')),
    )
    fc.assert(
      fc.property(text, (input) => (decodeBase64url(input) !== null) === reference(input)),
      { numRuns: 5000 },
    )
  })
  it('accepts the canonical encodings', () => {
    assert.equal(decodeBase64url('YQ')?.toString(), 'a')
    assert.equal(decodeBase64url('YWI')?.toString(), 'ab')
    assert.equal(decodeBase64url('')?.length, 0)
  })
})

describe('randomId', () => {
  it('is 32 random bytes as 43 base64url characters, different every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()))
    assert.equal(ids.size, 1000)
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(decodeBase64url(id)?.length, 32)
    }
  })
})

describe('uniqueId', () => {
  it('gives distinct base64url identifiers of the asked length, across refills of its pool', () => {
    // 1,000 identifiers of 16 bytes draw the 4 KiB pool about four times.
    const ids = new Set(Array.from({ length: 1000 }, () => uniqueId(16)))
    assert.equal(ids.size, 1000)
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{22}$/)
      assert.equal(decodeBase64url(id)?.length, 16)
    }
    assert.match(uniqueId(64), /^[A-Za-z0-9_-]{86}$/)
  })

  it('refuses a length outside 1 to 64 bytes', () => {
    for (const bytes of [0, 65, Number.NaN]) assert.throws(() => uniqueId(bytes), RangeError)
  })
})

describe('sha256, hmacSha256 and safeEqual', () => {
  it('match the FIPS 180-2 and RFC 4231 test vectors', () => {
    assert.equal(
      Buffer.from(sha256('abc'), 'base64url').toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    // RFC 4231 test case 2
    assert.equal(
      hmacSha256(Buffer.from('Jefe'), 'what do ya want for nothing?').toString('hex'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })
  it('safeEqual compares strings of any length', () => {
    assert.equal(safeEqual('abc', 'abc'), true)
    assert.equal(safeEqual('abc', 'abd'), false)
    assert.equal(safeEqual('abc', 'abcd'), false)
    assert.equal(safeEqual('', ''), true)
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => safeEqual(a, b) === (a === b)))
  })
  it('safeEqualSameLength is string equality, false for different lengths', () => {
    assert.equal(safeEqualSameLength('abc', 'abc'), true)
    assert.equal(safeEqualSameLength('abc', 'abd'), false)
    assert.equal(safeEqualSameLength('abc', 'ab'), false)
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => safeEqualSameLength(a, b) === (a === b)),
    )
  })
  it('hmacBase64url is the base64url of the HMAC, for every hash', () => {
    const key = randomBytes(32)
    assert.equal(
      hmacBase64url('sha256', key, 'data'),
      hmacSha256(key, 'data').toString('base64url'),
    )
    for (const hash of ['sha384', 'sha512'] as const) {
      assert.equal(hmacBase64url(hash, key, 'data'), hmac(hash, key, 'data').toString('base64url'))
    }
  })
})

describe('aeadSeal / aeadOpen', () => {
  const key = randomBytes(32)
  const aad = Buffer.from('purpose')
  it('round-trips and uses a fresh nonce each time', () => {
    const a = aeadSeal(key, Buffer.from('hello'), aad)
    const b = aeadSeal(key, Buffer.from('hello'), aad)
    assert.notDeepEqual(a, b)
    assert.equal(aeadOpen(key, a, aad)?.toString(), 'hello')
  })
  it('returns null for any flipped bit, another key, other associated data or a short box', () => {
    const box = aeadSeal(key, Buffer.from('hello world'), aad)
    for (let i = 0; i < box.length; i++) {
      const bad = Buffer.from(box)
      bad[i]! ^= 1
      assert.equal(aeadOpen(key, bad, aad), null, `byte ${i}`)
    }
    assert.equal(aeadOpen(randomBytes(32), box, aad), null)
    assert.equal(aeadOpen(key, box, Buffer.from('other')), null)
    assert.equal(aeadOpen(key, box.subarray(0, 27), aad), null)
  })
  it('never repeats a nonce across refills of the nonce pool', () => {
    const boxes = Array.from({ length: 1000 }, () => aeadSeal(key, Buffer.from('x'), aad))
    const nonces = new Set(boxes.map((box) => box.subarray(0, 12).toString('hex')))
    assert.equal(nonces.size, boxes.length)
    for (const box of boxes) assert.equal(aeadOpen(key, box, aad)?.toString(), 'x')
  })
  it('refuses a key that is not 32 bytes', () => {
    assert.throws(
      () => aeadSeal(randomBytes(16), Buffer.from('x'), aad),
      (e) => isTesseraError(e, 'ERR_KEY_INVALID'),
    )
  })
  it('deriveKey gives different keys per purpose, the same for the same purpose', () => {
    assert.notDeepEqual(deriveKey(key, 'a'), deriveKey(key, 'b'))
    assert.deepEqual(deriveKey(key, 'a'), deriveKey(key, 'a'))
    assert.equal(deriveKey(key, 'a').length, 32)
  })
})
