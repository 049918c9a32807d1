import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, it } from 'node:test'
import { createKeyring, isKeyring, toKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'

const secret = randomBytes(32)

function throwsKeyInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) =>
      isTesseraError(err, 'ERR_KEY_INVALID') && pattern.test((err as Error).message),
  )
}

describe('createKeyring', () => {
  it('makes the first key the primary and finds every key by id', () => {
    const older = randomBytes(32)
    const keyring = createKeyring([
      { id: 'new', key: secret },
      { id: 'old', key: older },
    ])
    assert.equal(keyring.primary.id, 'new')
    assert.deepEqual(keyring.get('old')?.secret, older)
    assert.equal(keyring.get('missing'), undefined)
    assert.deepEqual(
      keyring.secrets.map((k) => k.id),
      ['new', 'old'],
    )
    assert.equal(isKeyring(keyring), true)
    assert.equal(toKeyring(keyring), keyring)
  })

  const refused: [string, () => unknown, RegExp][] = [
    ['an empty list', () => createKeyring([]), /non-empty/],
    [
      'a bare secret in place of { id, key }, naming the option, not the value',
      () => createKeyring([secret.toString('base64url') as never]),
      /^keys\[0\] must be an object \{ id, key \}, got string;/,
    ],
    [
      'a 31-byte secret',
      () => createKeyring([{ id: 'a', key: randomBytes(31) }]),
      /31 bytes; a secret needs at least 32/,
    ],
    [
      'a 32-byte HS384 key',
      () => createKeyring([{ id: 'a', alg: 'HS384', key: randomBytes(32) }]),
      /HS384 needs at least 48/,
    ],
    [
      'a duplicate id',
      () =>
        createKeyring([
          { id: 'a', key: secret },
          { id: 'a', key: secret },
        ]),
      /appears twice/,
    ],
    ['an empty id', () => createKeyring([{ id: '', key: secret }]), /id must be/],
    [
      'a passphrase string',
      () => createKeyring([{ id: 'a', key: 'keyboard cat is my secret!!' }]),
      /not base64url/,
    ],
    [
      'a short base64url string',
      () => createKeyring([{ id: 'a', key: randomBytes(16).toString('base64url') }]),
      /16 bytes/,
    ],
    [
      'alg none',
      () => createKeyring([{ id: 'a', key: secret, alg: 'none' as never }]),
      /alg must be one of/,
    ],
    [
      'an RSA key bound to ES256',
      () =>
        createKeyring([
          {
            id: 'a',
            alg: 'ES256',
            key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
          },
        ]),
      /ES256 needs an EC key on prime256v1/,
    ],
    [
      'a P-384 key bound to ES256',
      () =>
        createKeyring([
          {
            id: 'a',
            alg: 'ES256',
            key: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
          },
        ]),
      /prime256v1/,
    ],
    [
      'a 1024-bit RSA key',
      () =>
        createKeyring([
          {
            id: 'a',
            alg: 'RS256',
            key: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
          },
        ]),
      /1024-bit RSA key/,
    ],
    [
      'secret bytes bound to RS256',
      () => createKeyring([{ id: 'a', alg: 'RS256', key: secret }]),
      /KeyObject/,
    ],
    [
      'a public key used as an HS256 secret',
      () =>
        createKeyring([{ id: 'a', alg: 'HS256', key: generateKeyPairSync('ed25519').publicKey }]),
      /public key; HS256 needs secret bytes/,
    ],
  ]
  for (const [name, fn, pattern] of refused) {
    it(`refuses ${name} with ERR_KEY_INVALID`, () => throwsKeyInvalid(fn, pattern))
  }

  it('accepts a base64url string of 32 random bytes', () => {
    const keyring = createKeyring([{ id: 'env', key: secret.toString('base64url') }])
    assert.deepEqual(keyring.primary.secret, secret)
  })

  it('binds an Ed25519 private key to EdDSA and derives its public key', () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const entry = createKeyring([{ id: 'ed', alg: 'EdDSA', key: privateKey }]).primary
    assert.equal(entry.alg, 'EdDSA')
    assert.equal(entry.privateKey, privateKey)
    assert.equal(entry.publicKey?.type, 'public')
  })

  it('copies secret bytes so that later changes to the caller buffer do not reach the keyring', () => {
    const bytes = Buffer.from(secret)
    const keyring = createKeyring([{ id: 'a', key: bytes }])
    bytes.fill(0)
    assert.deepEqual(keyring.primary.secret, secret)
  })

  it('never shows key material when logged or serialised', () => {
    const keyring = createKeyring([{ id: 'k1', key: secret }])
    const shown =
      inspect(keyring, { depth: 10 }) +
      JSON.stringify(keyring) +
      inspect(keyring.primary) +
      JSON.stringify(keyring.primary)
    assert.match(shown, /k1/)
    assert.equal(shown.includes(secret.toString('base64url')), false)
    assert.equal(shown.includes(secret.toString('hex')), false)
    assert.equal(/\b\d{1,3}(, \d{1,3}){8,}/.test(shown), false, 'no byte list')
  })
})
