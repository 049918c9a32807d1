import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { generateKey } from '../../src/jwt/generate.js'
import { signJwt } from '../../src/jwt/sign.js'
import { decodeJwtUnsafe, verifyJws, verifyJwt } from '../../src/jwt/verify.js'
import { forgeJws } from '../helpers/jwt-forge.js'

const now = new Date(Date.UTC(2026, 0, 1))
const t = now.getTime() / 1000
const hs = generateKey('HS256')
const es = generateKey('ES256')
const ed = generateKey('EdDSA')
const keyring = createKeyring([hs, es, ed])
const valid = [hs, es, ed].map((k) =>
  signJwt({ sub: 'u1', exp: t + 60, nbf: t - 1 }, keyring, { keyId: k.id }),
)

/** Runs every entry point; true when each returned or threw only a TesseraError. */
function onlyTesseraErrors(token: string): boolean {
  for (const fn of [
    () => verifyJwt(token, keyring, { now }),
    () => verifyJws(token, keyring),
    () => decodeJwtUnsafe(token),
  ]) {
    try {
      fn()
    } catch (err) {
      if (!isTesseraError(err)) throw err
    }
  }
  return true
}

const b64char = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. '.split(''),
)

describe('fuzzing verifyJwt, verifyJws and decodeJwtUnsafe', () => {
  it('arbitrary strings throw nothing but TesseraError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlyTesseraErrors), {
      numRuns: 2000,
    })
  })

  it('dot-separated base64url-like strings throw nothing but TesseraError', () => {
    const segment = fc.string({ unit: b64char, maxLength: 80 })
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (parts) =>
        onlyTesseraErrors(parts.join('.')),
      ),
      { numRuns: 2000 },
    )
  })

  it('mutated valid tokens throw nothing but TesseraError, and never verify', () => {
    const mutation = fc.record({
      token: fc.constantFrom(...valid),
      at: fc.nat(),
      replacement: fc.string({ unit: b64char, maxLength: 3 }),
      cut: fc.integer({ min: 0, max: 3 }),
    })
    fc.assert(
      fc.property(mutation, ({ token, at, replacement, cut }) => {
        const i = at % token.length
        const mutated = token.slice(0, i) + replacement + token.slice(i + cut)
        onlyTesseraErrors(mutated)
        if (mutated !== token) {
          try {
            const { payload } = verifyJwt(mutated, keyring, { now })
            // Only a change that decodes to the same bytes could verify, and strict decoding
            // leaves none: a verified mutant must carry the original claims.
            assert.equal(payload.sub, 'u1')
          } catch (err) {
            if (!isTesseraError(err)) throw err
          }
        }
        return true
      }),
      { numRuns: 3000 },
    )
  })

  it('correctly signed tokens with random headers and payloads throw nothing but TesseraError', () => {
    const json = fc.oneof(
      fc.dictionary(
        fc.constantFrom('alg', 'kid', 'typ', 'crit', 'b64', 'jwk', 'cty', 'x'),
        fc.jsonValue(),
      ),
      fc.jsonValue(),
    )
    fc.assert(
      fc.property(json, json, fc.constantFrom(hs, es, ed), (header, payload, key) =>
        onlyTesseraErrors(
          forgeJws(JSON.stringify(header) ?? 'null', JSON.stringify(payload) ?? 'null', key),
        ),
      ),
      { numRuns: 1000 },
    )
  })
})
