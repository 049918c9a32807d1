import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyring } from '../../src/crypto/keyring.js'
import { generateKey } from '../../src/jwt/generate.js'
import { signJws, signJwt, type JwtClaims } from '../../src/jwt/sign.js'
import { verifyJwt, type VerifyJwtOptions } from '../../src/jwt/verify.js'
import { tesseraError } from '../helpers/jwt-forge.js'

const keyring = createKeyring([generateKey('HS256')])
const now = new Date(Date.UTC(2026, 0, 1, 12))
const t = now.getTime() / 1000
const base = { iss: 'https://id.example', aud: 'api', sub: 'u1', iat: t - 10, exp: t + 600 }

function token(claims: JwtClaims, typ?: string): string {
  return signJwt(claims, keyring, { requireExp: false, ...(typ === undefined ? {} : { typ }) })
}

function accepts(claims: JwtClaims, options: VerifyJwtOptions = {}, typ?: string): void {
  assert.equal(verifyJwt(token(claims, typ), keyring, { now, ...options }).payload.sub, claims.sub)
}

function refuses(
  code: Parameters<typeof tesseraError>[0],
  claims: JwtClaims,
  options: VerifyJwtOptions = {},
  typ?: string,
): void {
  const jwt = token(claims, typ)
  assert.throws(() => verifyJwt(jwt, keyring, { now, ...options }), tesseraError(code, jwt))
}

describe('verifyJwt claims', () => {
  it('accepts a token whose claims all match', () => {
    accepts(base, {
      issuer: base.iss,
      audience: 'api',
      subject: 'u1',
      maxTokenAgeSeconds: 60,
      requiredClaims: ['iat', 'sub'],
    })
  })

  it('requires exp by default, and only when asked not to does it accept none', () => {
    refuses('ERR_JWT_CLAIM_INVALID', { sub: 'u1' })
    accepts({ sub: 'u1' }, { requireExp: false })
  })

  it('refuses a token expired by one second beyond the tolerance', () => {
    refuses('ERR_JWT_EXPIRED', { ...base, exp: t - 6 }, { clockToleranceSeconds: 5 })
    accepts({ ...base, exp: t - 4 }, { clockToleranceSeconds: 5 })
  })

  it('refuses a token at exactly its exp (RFC 7519 §4.1.4)', () => {
    refuses('ERR_JWT_EXPIRED', { ...base, exp: t })
    accepts({ ...base, exp: t + 1 })
  })

  it('refuses a token before its nbf beyond the tolerance', () => {
    refuses('ERR_JWT_NOT_YET_VALID', { ...base, nbf: t + 6 }, { clockToleranceSeconds: 5 })
    accepts({ ...base, nbf: t + 5 }, { clockToleranceSeconds: 5 })
  })

  it('refuses an iat in the future beyond the tolerance', () => {
    refuses('ERR_JWT_NOT_YET_VALID', { ...base, iat: t + 2 }, { clockToleranceSeconds: 1 })
    accepts({ ...base, iat: t + 1 }, { clockToleranceSeconds: 1 })
  })

  it('refuses a token older than maxTokenAgeSeconds, or one without iat', () => {
    refuses('ERR_JWT_EXPIRED', { ...base, iat: t - 61 }, { maxTokenAgeSeconds: 60 })
    refuses(
      'ERR_JWT_CLAIM_INVALID',
      { ...base, iat: undefined as never },
      { maxTokenAgeSeconds: 60 },
    )
  })

  const badDates: [string, unknown][] = [
    ['a string', '1900000000'],
    ['null', null],
    ['a boolean', true],
    ['an array', [1]],
  ]
  for (const [name, value] of badDates) {
    it(`refuses exp, nbf or iat that is ${name}`, () => {
      for (const claim of ['exp', 'nbf', 'iat']) {
        const jwt = signJws(JSON.stringify({ ...base, [claim]: value }), keyring)
        assert.throws(
          () => verifyJwt(jwt, keyring, { now }),
          tesseraError('ERR_JWT_CLAIM_INVALID', jwt),
        )
      }
    })
  }

  it('refuses a non-finite exp written as a huge number', () => {
    const jwt = signJws(`{"exp":1e400}`, keyring)
    assert.throws(() => verifyJwt(jwt, keyring, { now }), tesseraError('ERR_JWT_CLAIM_INVALID'))
  })

  it('refuses an iss mismatch, a missing iss, an iss array and a prefix match', () => {
    const issuer = 'https://id.example'
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, iss: 'https://evil.example' }, { issuer })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, iss: undefined as never }, { issuer })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, iss: [issuer] as never }, { issuer })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, iss: `${issuer}.evil` }, { issuer })
    accepts(base, { issuer: ['https://other.example', issuer] })
  })

  it('matches aud as a string or an array, and refuses an array without the audience', () => {
    accepts({ ...base, aud: ['web', 'api'] }, { audience: 'api' })
    accepts({ ...base, aud: 'api' }, { audience: ['x', 'api'] })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, aud: ['web', 'admin'] }, { audience: 'api' })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, aud: 'apis' }, { audience: 'api' })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, aud: undefined as never }, { audience: 'api' })
    refuses('ERR_JWT_CLAIM_INVALID', { ...base, aud: [] }, { audience: 'api' })
  })

  it('refuses a sub mismatch', () => {
    refuses('ERR_JWT_CLAIM_INVALID', base, { subject: 'u2' })
  })

  it('checks typ in the header, case-insensitively and with or without application/', () => {
    accepts(base, { typ: 'at+jwt' }, 'application/AT+JWT')
    refuses('ERR_JWT_CLAIM_INVALID', base, { typ: 'at+jwt' }, 'JWT')
    refuses('ERR_JWT_CLAIM_INVALID', base, { typ: 'at+jwt' })
  })

  it('refuses a token missing a required claim', () => {
    refuses('ERR_JWT_CLAIM_INVALID', base, { requiredClaims: ['jti'] })
    accepts({ ...base, jti: 'j1' }, { requiredClaims: ['jti', 'iat'] })
  })

  it('refuses invalid options at the call', () => {
    refuses('ERR_CONFIG_INVALID', base, { clockToleranceSeconds: -1 })
    refuses('ERR_CONFIG_INVALID', base, { clockToleranceSeconds: Number.NaN })
    refuses('ERR_CONFIG_INVALID', base, { now: new Date(Number.NaN) })
  })

  it('uses the real clock when now is not given', () => {
    const real = Math.floor(Date.now() / 1000)
    assert.equal(verifyJwt(token({ sub: 'r', exp: real + 60 }), keyring).payload.sub, 'r')
    const old = token({ sub: 'r', exp: real - 60 })
    assert.throws(() => verifyJwt(old, keyring), tesseraError('ERR_JWT_EXPIRED'))
  })
})
