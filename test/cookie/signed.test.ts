import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { signValue, verifyValue } from '../../src/cookie/index.js'
import { isWellFormed } from '../../src/cookie/value-keys.js'
import { deriveKey } from '../../src/crypto/aead.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { applyMutation, mutationArbitrary, nonCanonicalBase64url } from '../helpers/mutate.js'

// Throwaway keys, never real ones.
const newKey = { id: 'k.2026-11', key: Buffer.alloc(32, 0x11) }
const oldKey = { id: 'k.2026-05', key: Buffer.alloc(32, 0x22) }
const keyring = createKeyring([newKey, oldKey])
const binding = { name: '__Host-uid', purpose: 'remember-me' }
const signed = signValue('user-42', keyring, binding)
// A signed value whose MAC contains "-" or "_", to spell it in the standard base64 alphabet.
const withUrlChars = Array.from({ length: 200 }, (_, i) =>
  signValue(`v${i}`, keyring, binding),
).find((s) => /[-_]/.test(s.slice(-43)))

describe('signValue / verifyValue', () => {
  it('round-trips a value and reports the newest key as not rotated', () => {
    assert.deepEqual(verifyValue(signed, keyring, binding), {
      value: 'user-42',
      keyId: 'k.2026-11',
      rotated: false,
    })
  })

  it('writes the documented wire format: base64url(keyId) "." value "." base64url(mac)', () => {
    const keyId64 = Buffer.from(newKey.id).toString('base64url')
    const key = deriveKey(newKey.key, 'tessera/signed/v1 remember-me', 32)
    const mac = createHmac('sha256', key)
      .update(`__Host-uid=${keyId64}.user-42`)
      .digest('base64url')
    assert.equal(signed, `${keyId64}.user-42.${mac}`)
  })

  it('matches the example in docs/formats.md', () => {
    assert.equal(signed, 'ay4yMDI2LTEx.user-42.K5bqPR3eO7tK2c04tB5Kknmo4S8n9nvDp9EK3nHYkvY')
  })

  it('verifies a value signed with an older key and says it was rotated', () => {
    const oldSigned = signValue('user-42', createKeyring([oldKey]), binding)
    assert.deepEqual(verifyValue(oldSigned, keyring, binding), {
      value: 'user-42',
      keyId: 'k.2026-05',
      rotated: true,
    })
  })

  it('round-trips arbitrary strings, including full Unicode and dots', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (value) => {
          fc.pre(isWellFormed(value))
          assert.equal(
            verifyValue(signValue(value, keyring, binding), keyring, binding)?.value,
            value,
          )
        },
      ),
    )
  })

  it('gives null for any mutation of a signed value (flip, insert, delete, truncate)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), mutationArbitrary, (value, mutation) => {
        const original = signValue(value, keyring, binding)
        const mutated = applyMutation(original, mutation)
        fc.pre(mutated !== original)
        assert.equal(verifyValue(mutated, keyring, binding), null)
      }),
      { numRuns: 3000 },
    )
  })

  it('a value signed for one cookie name does not verify for another', () => {
    assert.equal(verifyValue(signed, keyring, { ...binding, name: '__Host-other' }), null)
    assert.equal(verifyValue(signed, keyring, { ...binding, name: '__host-uid' }), null)
  })

  it('a value signed for one purpose does not verify for another', () => {
    assert.equal(verifyValue(signed, keyring, { ...binding, purpose: 'csrf' }), null)
  })

  it('a value signed with a key outside the keyring does not verify', () => {
    const foreign = createKeyring([{ id: newKey.id, key: Buffer.alloc(32, 0x33) }])
    assert.equal(verifyValue(signValue('user-42', foreign, binding), keyring, binding), null)
  })

  it('a key id cannot be swapped for another key of the keyring', () => {
    const swapped = Buffer.from(oldKey.id).toString('base64url') + signed.slice(signed.indexOf('.'))
    assert.equal(verifyValue(swapped, keyring, binding), null)
  })

  it('refuses a lone surrogate that UTF-8 would turn into the signed U+FFFD', () => {
    const withReplacement = signValue('a\ufffd', keyring, binding)
    const keyId64 = withReplacement.slice(0, withReplacement.indexOf('.'))
    const forged = `${keyId64}.a\ud800${withReplacement.slice(withReplacement.lastIndexOf('.'))}`
    assert.equal(verifyValue(forged, keyring, binding), null)
  })

  const tampered = [
    ['an empty string', ''],
    ['no separator', 'abc'],
    ['only dots', '..'],
    ['an unknown key id', `azk.user-42${signed.slice(signed.lastIndexOf('.'))}`],
    ['an empty key id', signed.slice(signed.indexOf('.'))],
    ['a missing MAC', signed.slice(0, signed.lastIndexOf('.') + 1)],
    ['a MAC with padding', `${signed.slice(0, -1)}=`],
    [
      'a MAC in the standard alphabet',
      `${withUrlChars?.slice(0, -43)}${withUrlChars?.slice(-43).replace(/-/g, '+').replace(/_/g, '/')}`,
    ],
    ['a MAC with non-canonical trailing bits', nonCanonicalBase64url(signed)],
    ['a MAC one character short', signed.slice(0, -1)],
    ['a MAC one character long', `${signed}A`],
    ['the last character changed', `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`],
    ['a value changed', signed.replace('user-42', 'user-43')],
    ['a value too large to be a cookie', `${signed.slice(0, 3)}${'x'.repeat(20000)}`],
  ] as const
  for (const [label, input] of tampered) {
    it(`returns null for ${label}`, () => {
      assert.notEqual(input, signed)
      assert.equal(verifyValue(input, keyring, binding), null)
    })
  }

  it('returns null for an absent value or a non-string input', () => {
    assert.equal(verifyValue(undefined, keyring, binding), null)
    assert.equal(verifyValue(null, keyring, binding), null)
    assert.equal(verifyValue(42 as unknown as string, keyring, binding), null)
  })

  const misuse = [
    [
      'a name that is not a token',
      () => signValue('v', keyring, { ...binding, name: 'a=b' }),
      'ERR_COOKIE_INVALID',
    ],
    [
      'an empty purpose',
      () => signValue('v', keyring, { ...binding, purpose: '' }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a purpose over 256 characters',
      () => signValue('v', keyring, { ...binding, purpose: 'p'.repeat(257) }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a value with a lone surrogate',
      () => signValue('\ud800', keyring, binding),
      'ERR_COOKIE_INVALID',
    ],
    [
      'a non-string value',
      () => signValue(1 as unknown as string, keyring, binding),
      'ERR_COOKIE_INVALID',
    ],
    ['a keyring without secrets', () => signValue('v', noSecrets(), binding), 'ERR_KEY_INVALID'],
    [
      'verify with a name that is not a token',
      () => verifyValue(signed, keyring, { ...binding, name: '' }),
      'ERR_COOKIE_INVALID',
    ],
  ] as const
  it('throws ERR_CONFIG_INVALID when the options are missing', () => {
    const call = () => verifyValue(signed, keyring, undefined as unknown as typeof binding)
    assert.throws(call, (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'))
  })
  for (const [label, call, code] of misuse) {
    it(`throws ${code} for ${label}`, () => {
      assert.throws(call, (err: unknown) => isTesseraError(err, code))
    })
  }
})

function noSecrets(): ReturnType<typeof createKeyring> {
  return { ...keyring, secrets: [] }
}
