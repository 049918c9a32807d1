import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  isLoopbackHost,
  type CarrierCookieOptions,
  type CarrierRequest,
} from '../../src/session/carrier.js'
import {
  deleteCarrierCookie,
  readCookie,
  setCarrierCookie,
} from '../../src/session/carrier-cookie.js'

const http: CarrierRequest = { cookieHeader: undefined, secure: false, host: 'localhost:3000' }
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
  it('are plain, HttpOnly, SameSite=Lax, Path=/ browser-session cookies over HTTP to localhost', () => {
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

  it('security: stay __Host- and Secure over plain HTTP to a host that is not loopback (a proxy not trusted)', () => {
    for (const host of [
      'app.example.com',
      'app.example.com:80',
      '10.0.0.5',
      '[2001:db8::1]',
      undefined,
    ]) {
      const request: CarrierRequest = { cookieHeader: undefined, secure: false, host }
      assert.equal(
        setCarrierCookie(auto, request, 'v'),
        '__Host-sid=v; Path=/; Secure; HttpOnly; SameSite=Lax',
        String(host),
      )
      assert.match(deleteCarrierCookie(auto, request), /^__Host-sid=; Path=\/; Max-Age=0; Secure;/)
    }
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

describe('isLoopbackHost', () => {
  const loopback = [
    'localhost',
    'LOCALHOST:3000',
    'localhost.',
    'app.localhost',
    'a.b.localhost:8080',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.255.10.2',
    '[::1]',
    '[::1]:3000',
  ]
  const other = [
    undefined,
    '',
    'app.example.com',
    'localhost.example.com',
    'notlocalhost',
    '127.0.0.1.example.com',
    '128.0.0.1',
    '127.0.0.256',
    '127.1',
    '0.0.0.0',
    '[::2]',
    '[::1]x',
    '::1',
    'localhost:80x',
    '10.0.0.1',
  ]
  for (const host of loopback)
    it(`counts ${host} as loopback`, () => assert.ok(isLoopbackHost(host)))
  for (const host of other) {
    it(`does not count ${String(host)} as loopback`, () => assert.ok(!isLoopbackHost(host)))
  }
})
