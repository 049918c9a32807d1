// The cookie options an application passes (cookieDomain, cookiePath, cookieSameSite,
// cookiePartitioned) reach every cookie each carrier writes and clears, and the prefix rules
// hold: `__Host-` only for a Secure, host-only cookie with Path=/, `__Secure-` for a Secure one
// with a Domain or another Path, no prefix on plain HTTP.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTesseraError } from '../../src/errors.js'
import {
  createSessionManager,
  type ManagerRequest,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/session/manager.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { recordingSink, testKeys } from '../helpers/session.js'

const CARRIERS = ['server', 'cookie', 'token'] as const
type Carrier = (typeof CARRIERS)[number]

function manager(carrier: Carrier, options: Partial<SessionManagerOptions>): SessionManager {
  return createSessionManager({
    carrier,
    store: createMemoryStore(),
    keys: testKeys(),
    ...options,
  } as SessionManagerOptions)
}

function request(cookieHeader?: string, secure = true): ManagerRequest {
  return { cookieHeader, secure, method: 'POST', host: 'app.example.com' }
}

/** The Set-Cookie lines of a login, then of a logout presenting the cookies it set. */
async function loginThenLogout(
  m: SessionManager,
  secure = true,
): Promise<{ login: string[]; logout: string[]; cookieHeader: string }> {
  const first = recordingSink()
  const session = await m.open(request(undefined, secure), first)
  await session.login('alice')
  const cookieHeader = first.cookies.map((c) => c.split(';')[0]).join('; ')
  const second = recordingSink()
  const again = await m.open(request(cookieHeader, secure), second)
  assert.equal(again.userId, 'alice', 'the cookie, read back under its prefixed name, loads')
  await again.logout()
  return { login: first.cookies, logout: second.cookies, cookieHeader }
}

function attributes(line: string): string[] {
  return line
    .split(';')
    .slice(1)
    .map((a) => a.trim())
}

describe('cookie options on every carrier', () => {
  for (const carrier of CARRIERS) {
    it(`${carrier}: Domain, Path, SameSite and Partitioned on every cookie set and cleared`, async () => {
      const m = manager(carrier, {
        secure: true,
        cookieDomain: 'example.com',
        cookiePath: '/app',
        cookieSameSite: 'strict',
        cookiePartitioned: true,
      })
      const { login, logout } = await loginThenLogout(m)
      assert.ok(login.length > 0 && logout.length > 0)
      for (const line of [...login, ...logout]) {
        const at = attributes(line)
        assert.ok(line.startsWith('__Secure-tessera'), `__Secure- with a Domain: ${line}`)
        for (const expected of ['Domain=example.com', 'Path=/app', 'SameSite=Strict']) {
          assert.ok(at.includes(expected), `${expected}: ${line}`)
        }
        for (const expected of ['Secure', 'HttpOnly', 'Partitioned']) {
          assert.ok(at.includes(expected), `${expected}: ${line}`)
        }
      }
      assert.ok(logout.every((line) => attributes(line).includes('Max-Age=0')))
    })

    it(`${carrier}: sameSite in any case; 'none' is written None (the refresh cookie stays Strict)`, async () => {
      for (const [given, written] of [
        ['LAX', 'Lax'],
        ['lax', 'Lax'],
        ['none', 'None'],
        ['Strict', 'Strict'],
      ] as const) {
        const m = manager(carrier, { secure: true, cookieSameSite: given as 'lax' })
        const { login } = await loginThenLogout(m)
        for (const line of login) {
          const refresh = carrier === 'token' && line.split('=')[0]!.endsWith('-refresh')
          const expected = refresh ? 'SameSite=Strict' : `SameSite=${written}`
          assert.ok(attributes(line).includes(expected), `${given} → ${expected}: ${line}`)
        }
      }
    })

    it(`${carrier}: __Host- only when Secure, host-only and Path=/; else __Secure- or none`, async () => {
      const cases: [Partial<SessionManagerOptions>, boolean, string][] = [
        [{ secure: 'auto' }, true, '__Host-tessera'],
        [{ secure: 'auto', cookiePath: '/' }, true, '__Host-tessera'],
        [{ secure: 'auto', cookieDomain: 'example.com' }, true, '__Secure-tessera'],
        [{ secure: 'auto', cookiePath: '/app' }, true, '__Secure-tessera'],
        [{ secure: 'auto', cookieDomain: 'example.com' }, false, 'tessera'],
        [{ secure: 'auto' }, false, 'tessera'],
      ]
      for (const [options, https, prefix] of cases) {
        const { login, logout } = await loginThenLogout(manager(carrier, options), https)
        for (const line of [...login, ...logout]) {
          const name = line.split('=')[0]!
          assert.ok(
            name === prefix || name.startsWith(`${prefix}.`) || name.startsWith(`${prefix}-`),
            `${JSON.stringify(options)} over ${https ? 'HTTPS' : 'HTTP'}: ${line}`,
          )
          if (prefix.startsWith('__Host-')) {
            assert.ok(attributes(line).includes('Path=/'), line)
            assert.ok(!line.includes('Domain='), line)
          }
        }
      }
    })
  }

  const refused: [string, Partial<SessionManagerOptions>][] = [
    ['an unknown sameSite', { cookieSameSite: 'loose' as 'lax' }],
    ["sameSite 'none' without secure: true", { cookieSameSite: 'none' }],
    ["sameSite 'none' with secure: 'auto'", { cookieSameSite: 'none', secure: 'auto' }],
    ['partitioned without secure: true', { cookiePartitioned: true, secure: false }],
    ['a non-boolean partitioned', { cookiePartitioned: 'yes' as unknown as boolean }],
    ['a domain with a space', { cookieDomain: 'exa mple.com' }],
    ['an empty domain', { cookieDomain: '' }],
    ['a path without a leading slash', { cookiePath: 'app' }],
    ['a path with a semicolon', { cookiePath: '/a;Domain=evil.example' }],
    ['a non-string path', { cookiePath: 1 as unknown as string }],
  ]
  for (const [label, options] of refused) {
    it(`refuses ${label} at startup, naming the option`, () => {
      assert.throws(
        () => manager('server', options),
        (err) =>
          isTesseraError(err, 'ERR_CONFIG_INVALID') &&
          /cookie(SameSite|Partitioned|Domain|Path)/.test((err as Error).message),
      )
    })
  }
})
