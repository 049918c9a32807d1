import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { encodeBase64url } from '../../src/crypto/base64url.js'
import { createKeyEntry, createKeyring } from '../../src/crypto/keyring.js'
import { signWithKey } from '../../src/jwt/algorithms.js'
import { generateKey } from '../../src/jwt/generate.js'
import { signJws, signJwt } from '../../src/jwt/sign.js'
import { decodeJwtUnsafe, verifyJws, verifyJwt } from '../../src/jwt/verify.js'
import { forgeJws, tesseraError } from '../helpers/jwt-forge.js'

const now = new Date(Date.UTC(2026, 0, 1))
const nowSeconds = now.getTime() / 1000
const claims = { sub: 'u1', exp: nowSeconds + 600 }
const hs = createKeyEntry({ id: 'hs', alg: 'HS256', key: Buffer.alloc(32, 7) })
const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rs = createKeyEntry({ id: 'rs', alg: 'RS256', key: rsaPair.privateKey })
const es = createKeyEntry({ id: 'es', alg: 'ES256', key: generateKey('ES256').privateKey! })
const keyring = createKeyring([hs, rs, es])
const publicRing = createKeyring([
  { id: 'rs', alg: 'RS256', key: rsaPair.publicKey },
  { id: 'es', alg: 'ES256', key: es.publicKey! },
])

function rejects(token: string, code: Parameters<typeof tesseraError>[0], ring = keyring): void {
  assert.throws(() => verifyJwt(token, ring, { now }), tesseraError(code, token))
}

describe('verifyJwt security regressions', () => {
  const noneSpellings = ['none', 'None', 'NONE', 'nOnE', 'nonE', ' none', 'none ']
  for (const alg of noneSpellings) {
    it(`refuses alg ${JSON.stringify(alg)} with and without a signature`, () => {
      rejects(forgeJws({ alg }, claims, null), 'ERR_JWT_ALG_NOT_ALLOWED')
      rejects(forgeJws({ alg, kid: 'hs' }, claims, hs), 'ERR_JWT_ALG_NOT_ALLOWED')
    })
  }

  it('refuses a missing alg and an unknown or lower-case alg', () => {
    for (const header of [{}, { alg: 'hs256' }, { alg: 'HS1' }, { alg: 7 }, { alg: null }]) {
      rejects(forgeJws(header, claims, hs), 'ERR_JWT_ALG_NOT_ALLOWED')
    }
  })

  it('refuses HS256 signed with the RSA public key PEM as the secret (algorithm confusion)', () => {
    const pem = rsaPair.publicKey.export({ format: 'pem', type: 'spki' })
    const confused = createKeyEntry({ id: 'rs', alg: 'HS256', key: Buffer.from(pem) })
    rejects(forgeJws({ alg: 'HS256', kid: 'rs' }, claims, confused), 'ERR_JWT_ALG_NOT_ALLOWED')
    rejects(forgeJws({ alg: 'HS256' }, claims, confused), 'ERR_JWT_ALG_NOT_ALLOWED', publicRing)
  })

  it('refuses HS256 signed with the EC public key bytes as the secret (algorithm confusion)', () => {
    const der = es.publicKey!.export({ format: 'der', type: 'spki' })
    const confused = createKeyEntry({ id: 'es', alg: 'HS256', key: der })
    rejects(forgeJws({ alg: 'HS256', kid: 'es' }, claims, confused), 'ERR_JWT_ALG_NOT_ALLOWED')
    rejects(forgeJws({ alg: 'HS256' }, claims, confused), 'ERR_JWT_ALG_NOT_ALLOWED', publicRing)
  })

  it('refuses a PEM string as a key: keys are typed, never guessed from their text', () => {
    const pem = rsaPair.publicKey.export({ format: 'pem', type: 'spki' }) as string
    for (const alg of ['RS256', 'HS256', 'ES256'] as const) {
      assert.throws(
        () => createKeyring([{ id: 'pem', alg, key: pem }]),
        tesseraError('ERR_KEY_INVALID'),
      )
    }
    assert.throws(
      () => createKeyring([{ id: 'hs', alg: 'HS256', key: rsaPair.publicKey }]),
      tesseraError('ERR_KEY_INVALID'),
    )
  })

  it('never verifies with a plain secret, even when kid names it', () => {
    const plain = Buffer.alloc(32, 9)
    const ring = createKeyring([{ id: 'cookie', key: plain }, hs])
    const forged = forgeJws(
      { alg: 'HS256', kid: 'cookie' },
      claims,
      createKeyEntry({ id: 'x', alg: 'HS256', key: plain }),
    )
    rejects(forged, 'ERR_JWT_ALG_NOT_ALLOWED', ring)
  })

  it('refuses a header alg that differs from the alg bound to the kid', () => {
    const es384 = generateKey('ES384')
    rejects(forgeJws({ alg: 'ES384', kid: 'es' }, claims, es384), 'ERR_JWT_ALG_NOT_ALLOWED')
    rejects(forgeJws({ alg: 'RS384', kid: 'rs' }, claims, null), 'ERR_JWT_ALG_NOT_ALLOWED')
  })

  it('with no kid, tries only keys bound to the header alg', () => {
    const token = forgeJws({ alg: 'ES256' }, claims, es)
    assert.equal(verifyJwt(token, keyring, { now }).key, es)
    rejects(forgeJws({ alg: 'PS256' }, claims, null), 'ERR_JWT_ALG_NOT_ALLOWED')
  })

  const kids = [
    '../../etc/passwd',
    "' OR 1=1 --",
    'http://evil.example/jwks.json',
    '__proto__',
    'constructor',
    '',
  ]
  for (const kid of kids) {
    it(`treats kid ${JSON.stringify(kid)} as an unknown opaque name`, () => {
      rejects(forgeJws({ alg: 'HS256', kid }, claims, hs), 'ERR_SIGNATURE_INVALID')
    })
  }

  it('refuses a non-string kid', () => {
    rejects(forgeJws({ alg: 'HS256', kid: ['hs'] }, claims, hs), 'ERR_TOKEN_MALFORMED')
  })

  const refusedParams: [string, Record<string, unknown>][] = [
    ['crit with an unknown extension', { crit: ['exp'], exp: 1 }],
    ['crit naming b64', { crit: ['b64'], b64: false }],
    ['an empty crit', { crit: [] }],
    ['b64: false', { b64: false }],
    ['b64: true', { b64: true }],
    ['an embedded jwk', { jwk: { kty: 'oct', k: encodeBase64url(Buffer.alloc(32)) } }],
    ['a jku', { jku: 'https://evil.example/jwks.json' }],
    ['an x5u', { x5u: 'https://evil.example/cert.pem' }],
    ['an x5c', { x5c: ['MIIB'] }],
  ]
  for (const [name, extra] of refusedParams) {
    it(`refuses a correctly signed token whose header has ${name}`, () => {
      rejects(forgeJws({ alg: 'HS256', kid: 'hs', ...extra }, claims, hs), 'ERR_TOKEN_MALFORMED')
    })
  }

  it('refuses duplicate header names, however they are escaped', () => {
    for (const header of [
      '{"alg":"HS256","alg":"HS256","kid":"hs"}',
      '{"alg":"none","kid":"hs","alg":"HS256"}',
      '{"alg":"HS256","kid":"hs","\\u006bid":"hs"}',
    ]) {
      rejects(forgeJws(header, claims, hs), 'ERR_TOKEN_MALFORMED')
    }
  })

  it('accepts nested objects whose names repeat top-level ones', () => {
    const token = forgeJws(
      '{"alg":"HS256","kid":"hs","ext":{"alg":"x","kid":[1,{"a":2}]}}',
      claims,
      hs,
    )
    assert.equal(verifyJwt(token, keyring, { now }).key, hs)
  })

  it('checks the signature before any claim', () => {
    const expired = forgeJws({ alg: 'HS256', kid: 'hs' }, { exp: nowSeconds - 3600 }, hs)
    rejects(expired, 'ERR_JWT_EXPIRED')
    const [h, p, s] = expired.split('.') as [string, string, string]
    const badSignature = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`
    rejects(badSignature, 'ERR_SIGNATURE_INVALID')
    const garbage = forgeJws({ alg: 'HS256', kid: 'hs' }, 'not json', null) + 'AAAA'
    rejects(garbage, 'ERR_SIGNATURE_INVALID')
  })

  it('refuses a token over maxTokenBytes before decoding it', () => {
    const big = signJwt({ ...claims, pad: 'x'.repeat(9000) }, keyring)
    rejects(big, 'ERR_TOKEN_MALFORMED')
    assert.equal(verifyJwt(big, keyring, { now, maxTokenBytes: 16_000 }).payload.sub, 'u1')
    const small = signJwt(claims, keyring)
    assert.throws(
      () => verifyJwt(small, keyring, { now, maxTokenBytes: 20 }),
      tesseraError('ERR_TOKEN_MALFORMED', small),
    )
  })

  it('refuses two and four segments, and an empty string', () => {
    const token = signJwt(claims, keyring)
    const [h, p, s] = token.split('.') as [string, string, string]
    for (const bad of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${token}.`, '', '..', `.${p}.${s}`]) {
      rejects(bad, 'ERR_TOKEN_MALFORMED')
    }
  })

  it('refuses padded, standard-alphabet and non-canonical base64url', () => {
    const token = forgeJws({ alg: 'HS256', kid: 'hs' }, { ...claims, x: '>>>???' }, hs)
    const [h, p, s] = token.split('.') as [string, string, string]
    const lastBit = (seg: string) => seg.slice(0, -1) + (seg.endsWith('A') ? 'B' : 'A')
    const variants = [
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}=`,
      `${h}.${p.replace(/_/g, '/').replace(/-/g, '+')}.${s}`,
      `${h}.${p}.${s.replace(/_/g, '/').replace(/-/g, '+')}X`,
      `${h}.${p} .${s}`,
      `${h}.${p}.${lastBit(s)}`,
    ]
    for (const bad of variants) {
      assert.throws(
        () => verifyJwt(bad, keyring, { now }),
        (err: unknown) =>
          ['ERR_TOKEN_MALFORMED', 'ERR_SIGNATURE_INVALID'].some((c) =>
            tesseraError(c as never, bad)(err),
          ),
      )
    }
    // A signature whose last character carries non-zero unused bits decodes to the same bytes.
    const sig = Buffer.from(s, 'base64url')
    const sloppy = s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1)
    if (Buffer.from(sloppy, 'base64url').equals(sig))
      rejects(`${h}.${p}.${sloppy}`, 'ERR_TOKEN_MALFORMED')
  })

  it('refuses a header or payload that is not a JSON object', () => {
    for (const [header, payload] of [
      ['[1]', claims],
      ['"HS256"', claims],
      ['null', claims],
      [{ alg: 'HS256', kid: 'hs' }, '[]'],
      [{ alg: 'HS256', kid: 'hs' }, '42'],
      [{ alg: 'HS256', kid: 'hs' }, '{"exp":1'],
    ] as const) {
      rejects(forgeJws(header as never, payload as never, hs), 'ERR_TOKEN_MALFORMED')
    }
  })

  it('refuses a wrong-length or empty signature', () => {
    const [h, p] = signJwt(claims, keyring).split('.') as [string, string]
    rejects(`${h}.${p}.`, 'ERR_SIGNATURE_INVALID')
    rejects(
      `${h}.${p}.${encodeBase64url(signWithKey(hs, `${h}.${p}`).subarray(0, 16))}`,
      'ERR_SIGNATURE_INVALID',
    )
  })

  it('refuses an ES256 signature in DER form', () => {
    const h = encodeBase64url(JSON.stringify({ alg: 'ES256', kid: 'es' }))
    const p = encodeBase64url(JSON.stringify(claims))
    const raw = signWithKey(es, `${h}.${p}`)
    // Re-encode r||s as DER the way a non-JOSE signer would.
    const int = (b: Buffer) => {
      let v = b
      while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1)
      if (v[0]! >= 0x80) v = Buffer.concat([Buffer.from([0]), v])
      return Buffer.concat([Buffer.from([2, v.length]), v])
    }
    const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))])
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body])
    rejects(`${h}.${p}.${encodeBase64url(der)}`, 'ERR_SIGNATURE_INVALID')
    assert.equal(verifyJwt(`${h}.${p}.${encodeBase64url(raw)}`, keyring, { now }).key, es)
  })

  it('never puts the token in an error message', () => {
    const token = signJwt({ exp: nowSeconds - 10 }, keyring)
    assert.throws(() => verifyJwt(token, keyring, { now }), tesseraError('ERR_JWT_EXPIRED', token))
  })
})

describe('verifyJwt, a token verified again', () => {
  it('checks the signature on every call, even when the claims are remembered', () => {
    const token = signJwt({ ...claims, jti: 'again-1' }, keyring)
    verifyJwt(token, keyring, { now })
    verifyJwt(token, keyring, { now })
    const [h, p, s] = token.split('.') as [string, string, string]
    const other = signJwt({ ...claims, jti: 'again-2' }, keyring).split('.')[2]!
    rejects(`${h}.${p}.${other}`, 'ERR_SIGNATURE_INVALID')
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11)
    rejects(`${h}.${p}.${flipped}`, 'ERR_SIGNATURE_INVALID')
    // The same payload under a key that does not verify it.
    const stranger = createKeyEntry({ id: 'hs', alg: 'HS256', key: Buffer.alloc(32, 9) })
    rejects(signJws(Buffer.from(p, 'base64url'), [stranger]), 'ERR_SIGNATURE_INVALID')
  })

  it('checks the claims against the time of every call', () => {
    const token = signJwt({ sub: 'u1', exp: nowSeconds + 60, jti: 'again-3' }, keyring)
    for (let i = 0; i < 3; i++) verifyJwt(token, keyring, { now })
    const later = new Date(now.getTime() + 61_000)
    assert.throws(() => verifyJwt(token, keyring, { now: later }), tesseraError('ERR_JWT_EXPIRED'))
    assert.throws(
      () => verifyJwt(token, keyring, { now, audience: 'api' }),
      tesseraError('ERR_JWT_CLAIM_INVALID'),
    )
  })

  it('returns frozen claims, so no caller can change what the next one receives', () => {
    const token = signJwt({ ...claims, jti: 'again-4', aud: ['a', 'b'], data: { n: 1 } }, keyring)
    for (let i = 0; i < 2; i++) {
      const { payload } = verifyJwt(token, keyring, { now })
      assert.equal(Object.isFrozen(payload), true, `verification ${i + 1}`)
      assert.throws(() => {
        ;(payload as Record<string, unknown>).sub = 'changed'
      }, TypeError)
      assert.throws(() => {
        ;(payload.aud as string[]).push('c')
      }, TypeError)
      assert.throws(() => {
        ;(payload.data as { n: number }).n = 2
      }, TypeError)
    }
    const again = verifyJwt(token, keyring, { now }).payload
    assert.equal(again.sub, 'u1')
    assert.deepEqual(again.aud, ['a', 'b'])
  })
})

describe('verifyJws', () => {
  it('returns the payload bytes and refuses a tampered payload', () => {
    const jws = signJws('hello', [es])
    assert.equal(verifyJws(jws, [es]).payload.toString(), 'hello')
    const [h, , s] = jws.split('.')
    assert.throws(
      () => verifyJws(`${h}.${encodeBase64url('hellO')}.${s}`, [es]),
      tesseraError('ERR_SIGNATURE_INVALID'),
    )
  })
})

describe('decodeJwtUnsafe', () => {
  it('decodes without verifying, and still refuses malformed input', () => {
    const token = forgeJws({ alg: 'HS256' }, { sub: 'x' }, null)
    assert.equal(decodeJwtUnsafe(token).payload.sub, 'x')
    assert.throws(() => decodeJwtUnsafe('a.b'), tesseraError('ERR_TOKEN_MALFORMED'))
  })
})
