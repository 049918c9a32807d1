import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CarrierCookieOptions, CarrierRequest } from '../../src/session/carrier.js'
import {
  deleteCarrierCookie,
  readCookie,
  setCarrierCookie,
} from '../../src/session/carrier-cookie.js'

const http: CarrierRequest = { cookieHeader: undefined, secure: false }
const https: CarrierRequest = { cookieHeader: undefined, secure: true }
const auto: CarrierCookieOptions = { name: 'sid', secure: 'auto' }

describe('readCookie', () => {
  const cases: [string, string | undefined, string | null | undefined][] = [
    ['no header', undefined, undefined],
    ['a header without the cookie', 'a=1; b=2', undefined],
    ['the cookie among others', 'a=1; sid=xyz; b=2', 'xyz'],
    ['the same value twice', 'sid=xyz; sid=xyz', 'xyz'],
    ['two different values (refused, not guessed)', 'sid=xyz; sid=abc', null],
    ['a name that only ends the same', 'xsid=1', undefined],
  ]
  for (const [name, header, expected] of cases) {
    it(`reads ${name}`, () => assert.equal(readCookie(header, 'sid'), expected))
  }
})

describe('setCarrierCookie and deleteCarrierCookie', () => {
  it('are plain, HttpOnly, SameSite=Lax, Path=/ browser-session cookies over HTTP', () => {
    assert.equal(setCarrierCookie(auto, http, 'v'), 'sid=v; Path=/; HttpOnly; SameSite=Lax')
    assert.equal(deleteCarrierCookie(auto, http), 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax')
  })

  it('are __Host- and Secure over HTTPS, and never carry a Domain', () => {
    assert.equal(
      setCarrierCookie(auto, https, 'v'),
      '__Host-sid=v; Path=/; Secure; HttpOnly; SameSite=Lax',
    )
    assert.match(deleteCarrierCookie(auto, https), /^__Host-sid=; Path=\/; Max-Age=0; Secure;/)
    assert.doesNotMatch(setCarrierCookie(auto, https, 'v'), /Domain/i)
  })

  it('follow secure: true and false whatever the request', () => {
    assert.match(setCarrierCookie({ name: 'sid', secure: true }, http, 'v'), /^__Host-sid=.*Secure/)
    assert.doesNotMatch(
      setCarrierCookie({ name: 'sid', secure: false }, https, 'v'),
      /Secure|__Host/,
    )
  })

  it('carry Max-Age only when asked', () => {
    const persistent = { ...auto, maxAgeSeconds: 3600 }
    assert.match(setCarrierCookie(persistent, http, 'v'), /; Max-Age=3600;/)
  })
})
