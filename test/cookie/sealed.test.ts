import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { sealValue, unsealValue } from '../../src/cookie/index.js'
import { isWellFormed } from '../../src/cookie/value-keys.js'
import { aeadOpen, deriveKey } from '../../src/crypto/aead.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { applyMutation, mutationArbitrary, nonCanonicalBase64url } from '../helpers/mutate.js'

// Throwaway keys, never real ones.
const newKey = { id: 'k.2026-11', key: Buffer.alloc(32, 0x11) }
const oldKey = { id: 'k.2026-05', key: Buffer.alloc(32, 0x22) }
const keyring = createKeyring([newKey, oldKey])
const NOW = Date.UTC(2026, 0, 1)
const expiresAt = NOW + 60_000
const binding = { name: '__Host-session', purpose: 'session' }
const open = { ...binding, now: NOW }
const sealed = sealValue('{"userId":42}', keyring, { ...binding, expiresAt })

describe('sealValue / unsealValue', () => {
  it('round-trips a value with its key id, expiry and rotation flag', () => {
    assert.deepEqual(unsealValue(sealed, keyring, open), {
      value: '{"userId":42}',
      keyId: 'k.2026-11',
      rotated: false,
      expiresAt,
    })
  })

  it('writes the documented wire format and hides the value', () => {
    const [keyId64, box64, ...rest] = sealed.split('.')
    assert.equal(rest.length, 0)
    assert.equal(keyId64, Buffer.from(newKey.id).toString('base64url'))
    assert.equal(sealed.includes('userId'), false)
    const key = deriveKey(newKey.key, 'tessera/sealed/v1 session', 32)
    const aad = Buffer.from(`${keyId64}.__Host-session=session`)
    const plaintext = aeadOpen(key, Buffer.from(box64 ?? '', 'base64url'), aad)
    assert.equal(plaintext?.readUIntBE(0, 6), expiresAt)
    assert.equal(plaintext?.toString('utf8', 6), '{"userId":42}')
  })

  it('uses a fresh nonce: sealing twice gives different seals', () => {
    assert.notEqual(
      sealValue('x', keyring, { ...binding, expiresAt }),
      sealValue('x', keyring, { ...binding, expiresAt }),
    )
  })

  it('opens a value sealed with an older key and says it was rotated', () => {
    const oldSealed = sealValue('v', createKeyring([oldKey]), { ...binding, expiresAt })
    assert.deepEqual(unsealValue(oldSealed, keyring, open), {
      value: 'v',
      keyId: 'k.2026-05',
      rotated: true,
      expiresAt,
    })
  })

  it('round-trips arbitrary strings, including full Unicode', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (value) => {
          fc.pre(isWellFormed(value))
          const box = sealValue(value, keyring, { ...binding, expiresAt })
          assert.equal(unsealValue(box, keyring, open)?.value, value)
        },
      ),
    )
  })

  it('gives null for any mutation of a sealed value (flip, insert, delete, truncate)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), mutationArbitrary, (value, mutation) => {
        const original = sealValue(value, keyring, { ...binding, expiresAt })
        const mutated = applyMutation(original, mutation)
        fc.pre(mutated !== original)
        assert.equal(unsealValue(mutated, keyring, open), null)
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses an expired seal: null at and after expiresAt', () => {
    assert.equal(
      unsealValue(sealed, keyring, { ...binding, now: expiresAt - 1 })?.value,
      '{"userId":42}',
    )
    assert.equal(unsealValue(sealed, keyring, { ...binding, now: expiresAt }), null)
    assert.equal(unsealValue(sealed, keyring, { ...binding, now: expiresAt + 86_400_000 }), null)
  })

  it('uses the current time when now is not given', () => {
    const past = sealValue('v', keyring, { ...binding, expiresAt: Date.now() - 1 })
    const future = sealValue('v', keyring, { ...binding, expiresAt: Date.now() + 60_000 })
    assert.equal(unsealValue(past, keyring, binding), null)
    assert.equal(unsealValue(future, keyring, binding)?.value, 'v')
  })

  it('a value sealed for one cookie name does not open for another', () => {
    assert.equal(unsealValue(sealed, keyring, { ...open, name: '__Host-other' }), null)
  })

  it('a value sealed for one purpose does not open for another', () => {
    assert.equal(unsealValue(sealed, keyring, { ...open, purpose: 'csrf' }), null)
  })

  it('a value sealed with a key outside the keyring does not open', () => {
    const foreign = createKeyring([{ id: newKey.id, key: Buffer.alloc(32, 0x33) }])
    assert.equal(
      unsealValue(sealValue('v', foreign, { ...binding, expiresAt }), keyring, open),
      null,
    )
  })

  it('a key id cannot be swapped for another key of the keyring', () => {
    const swapped = Buffer.from(oldKey.id).toString('base64url') + sealed.slice(sealed.indexOf('.'))
    assert.equal(unsealValue(swapped, keyring, open), null)
  })

  const tampered = [
    ['an empty string', ''],
    ['no separator', 'abc'],
    ['an empty key id', sealed.slice(sealed.indexOf('.'))],
    ['an unknown key id', `azk${sealed.slice(sealed.indexOf('.'))}`],
    ['an empty box', sealed.slice(0, sealed.indexOf('.') + 1)],
    [
      'a box shorter than nonce and tag',
      `${sealed.slice(0, sealed.indexOf('.') + 1)}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    ],
    ['a box with padding', `${sealed}=`],
    ['a box with a second dot', `${sealed}.x`],
    [
      'a box with non-canonical trailing bits',
      nonCanonicalBase64url(sealValue('x', keyring, { ...binding, expiresAt })),
    ],
    [
      'a value too large to be a cookie',
      `${sealed.slice(0, sealed.indexOf('.') + 1)}${'A'.repeat(20000)}`,
    ],
  ] as const
  for (const [label, input] of tampered) {
    it(`returns null for ${label}`, () => {
      assert.notEqual(input, sealed)
      assert.equal(unsealValue(input, keyring, open), null)
    })
  }

  it('returns null for an absent value or a non-string input', () => {
    assert.equal(unsealValue(undefined, keyring, open), null)
    assert.equal(unsealValue(null, keyring, open), null)
    assert.equal(unsealValue({} as unknown as string, keyring, open), null)
  })

  it('fails closed when now is not a number', () => {
    assert.equal(unsealValue(sealed, keyring, { ...binding, now: Number.NaN }), null)
  })

  const misuse = [
    [
      'a fractional expiresAt',
      () => sealValue('v', keyring, { ...binding, expiresAt: 1.5 }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'a negative expiresAt',
      () => sealValue('v', keyring, { ...binding, expiresAt: -1 }),
      'ERR_CONFIG_INVALID',
    ],
    [
      'an expiresAt past 2^48',
      () => sealValue('v', keyring, { ...binding, expiresAt: 2 ** 48 }),
      'ERR_CONFIG_INVALID',
    ],
    ['a missing expiresAt', () => sealValue('v', keyring, binding as never), 'ERR_CONFIG_INVALID'],
    [
      'a name that is not a token',
      () => sealValue('v', keyring, { ...binding, name: 'a b', expiresAt }),
      'ERR_COOKIE_INVALID',
    ],
    [
      'a value with a lone surrogate',
      () => sealValue('\udc00', keyring, { ...binding, expiresAt }),
      'ERR_COOKIE_INVALID',
    ],
    [
      'unseal with an empty purpose',
      () => unsealValue(sealed, keyring, { ...open, purpose: '' }),
      'ERR_CONFIG_INVALID',
    ],
  ] as const
  for (const [label, call, code] of misuse) {
    it(`throws ${code} for ${label}`, () => {
      assert.throws(call, (err: unknown) => isTesseraError(err, code))
    })
  }
})
