import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { decodeBase64url } from '../../../../src/crypto/base64url.js'
import { createKeyring } from '../../../../src/crypto/keyring.js'
import { generateKey } from '../../../../src/jwt/index.js'
import { createAccessTokens } from '../../../../src/session/carriers/token/access-token.js'
import type { SessionRecord } from '../../../../src/stores/store.js'

const T0 = Date.UTC(2026, 0, 1)
const keys = createKeyring([{ id: 'k1', key: randomBytes(32), alg: 'HS256' }])

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: 'h'.repeat(43),
    userId: 'alice',
    data: { username: 'alice', count: 3, nested: { list: [1, 'two', null] }, 'é"\\': 'ü' },
    version: 4,
    createdAt: T0 - 60_000,
    authenticatedAt: T0 - 60_000,
    lastSeenAt: T0,
    expiresAt: T0 + 1_800_000,
    meta: {},
    ...overrides,
  }
}

function payloadText(token: string): string {
  return decodeBase64url(token.split('.')[1]!)!.toString('utf8')
}

describe('access tokens', () => {
  for (const [name, r] of [
    ['signed in', record()],
    ['anonymous', record({ userId: null, authenticatedAt: null })],
    ['with a login lifetime', record({ maxAgeSeconds: 86_400 })],
    ['with a browser-session login', record({ maxAgeSeconds: null })],
  ] as const) {
    it(`writes the claims set JSON.stringify writes, in the same order (${name})`, () => {
      const tokens = createAccessTokens(keys, { issuer: 'iss "q"', audience: 'api' })
      const token = tokens.sign(r, T0)
      const claims = JSON.parse(payloadText(token)) as Record<string, unknown>
      const iat = Math.floor(T0 / 1000)
      const expected = {
        iss: 'iss "q"',
        aud: 'api',
        ...(r.userId === null ? {} : { sub: r.userId }),
        sid: r.idHash,
        jti: claims.jti,
        iat,
        exp: iat + 600,
        ses: [
          r.version,
          r.createdAt,
          r.authenticatedAt,
          r.lastSeenAt,
          r.expiresAt,
          ...(r.maxAgeSeconds === undefined ? [] : [r.maxAgeSeconds]),
        ],
        data: r.data,
      }
      assert.equal(payloadText(token), JSON.stringify(expected))
      assert.match(claims.jti as string, /^[A-Za-z0-9_-]{22}$/)
    })
  }

  it('gives, with the token, the record any process verifying it reads back', () => {
    const here = createAccessTokens(keys, {})
    const elsewhere = createAccessTokens(keys, {})
    for (const r of [record(), record({ userId: null, maxAgeSeconds: null })]) {
      const signed = here.issue(r, T0)
      const read = elsewhere.verify(signed.token, T0 + 1000)
      assert.equal(read.reason, null)
      assert.deepEqual(signed.record, read.record)
      assert.deepEqual(here.verify(signed.token, T0 + 1000).record, read.record)
    }
  })

  it('keeps no reference to the data it signed: later changes to it are not believed', () => {
    const tokens = createAccessTokens(keys, {})
    const r = record({ data: { role: 'user', tags: ['a'] } })
    const signed = tokens.issue(r, T0)
    ;(r.data as { role: string }).role = 'admin'
    ;(r.data as { tags: string[] }).tags.push('b')
    const read = tokens.verify(signed.token, T0 + 1000)
    assert.deepEqual(read.record?.data, { role: 'user', tags: ['a'] })
    assert.ok(Object.isFrozen(read.record?.data))
    assert.ok(Object.isFrozen((read.record?.data as { tags: string[] }).tags))
  })

  it('still refuses its own token once it has expired', () => {
    const tokens = createAccessTokens(keys, {})
    const { token } = tokens.issue(record(), T0)
    assert.equal(tokens.verify(token, T0 + 599_000).reason, null)
    assert.equal(tokens.verify(token, T0 + 606_000).reason, 'ERR_JWT_EXPIRED')
  })

  it('ends the token at the session deadline when that comes first', () => {
    const tokens = createAccessTokens(keys, {})
    const token = tokens.sign(record({ expiresAt: T0 + 90_500 }), T0)
    assert.equal(JSON.parse(payloadText(token)).exp, Math.floor(T0 / 1000) + 91)
  })

  it('refuses a record whose deadline is not a number, as signJwt refuses its exp', () => {
    const tokens = createAccessTokens(keys, {})
    assert.throws(
      () => tokens.sign(record({ expiresAt: Number.NaN }), T0),
      (err: { code?: string }) => err.code === 'ERR_CONFIG_INVALID',
    )
  })

  it('counts the data in UTF-8 bytes against maxDataBytes', () => {
    const tokens = createAccessTokens(keys, { maxDataBytes: 100 })
    // 40 characters of 3 bytes each: 120 bytes of JSON, fewer than 100 characters.
    assert.throws(
      () => tokens.sign(record({ data: { s: '€'.repeat(40) } }), T0),
      (err: { code?: string }) => err.code === 'ERR_COOKIE_INVALID',
    )
    assert.doesNotThrow(() => tokens.sign(record({ data: { s: '€'.repeat(25) } }), T0))
  })

  it('signs with an EdDSA key, and another process verifies the token', () => {
    const jwtKeys = createKeyring([generateKey('EdDSA')])
    const signed = createAccessTokens(jwtKeys, {}).issue(record(), T0)
    const read = createAccessTokens(jwtKeys, {}).verify(signed.token, T0 + 1000)
    assert.equal(read.reason, null)
    assert.deepEqual(read.record, signed.record)
  })
})
