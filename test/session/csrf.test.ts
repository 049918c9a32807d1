import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createKeyring } from '../../src/crypto/keyring.js'
import { checkCsrf, createCsrfTokens, type CsrfRequest } from '../../src/session/csrf.js'

const base: CsrfRequest = { method: 'POST', host: 'app.example', secure: true }

describe('checkCsrf', () => {
  const allowed: [string, Partial<CsrfRequest>][] = [
    ['a GET, whatever its headers', { method: 'GET', origin: 'https://evil.example' }],
    ['a HEAD', { method: 'head', secFetchSite: 'cross-site' }],
    [
      'Sec-Fetch-Site: same-origin',
      { secFetchSite: 'same-origin', origin: 'https://evil.example' },
    ],
    ['Sec-Fetch-Site: none (typed by the user)', { secFetchSite: 'none' }],
    ['its own Origin', { origin: 'https://app.example' }],
    ['an allowed Origin', { origin: 'https://admin.example' }],
    ['its own Referer without Origin', { referer: 'https://app.example/form' }],
    ['no browser signal at all (curl, a server)', {}],
  ]
  for (const [name, overrides] of allowed) {
    it(`allows ${name}`, () => {
      assert.deepEqual(checkCsrf({ ...base, ...overrides }, ['https://admin.example']), {
        ok: true,
      })
    })
  }

  const refused: [string, Partial<CsrfRequest>][] = [
    ['Sec-Fetch-Site: cross-site', { secFetchSite: 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { secFetchSite: 'same-site' }],
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['the same host over plain HTTP', { origin: 'http://app.example' }],
    ['a host that only starts the same', { origin: 'https://app.example.evil.example' }],
    ['a foreign Referer without Origin', { referer: 'https://evil.example/x' }],
    ['an unparseable Referer', { referer: 'not a url' }],
  ]
  for (const [name, overrides] of refused) {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      it(`refuses a ${method} with ${name}`, () => {
        assert.equal(checkCsrf({ ...base, method, ...overrides }).ok, false)
      })
    }
  }
})

describe('createCsrfTokens', () => {
  const older = { id: 'old', key: randomBytes(32) }
  const newer = { id: 'new', key: randomBytes(32) }

  it('verifies its own token for the same session only', () => {
    const tokens = createCsrfTokens(createKeyring([newer]))
    const token = tokens.issue('session-a')
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(tokens.verify('session-a', token), true)
    assert.equal(tokens.verify('session-b', token), false)
  })

  it('still verifies a token issued before a key rotation', () => {
    const token = createCsrfTokens(createKeyring([older])).issue('session-a')
    const rotated = createCsrfTokens(createKeyring([newer, older]))
    assert.equal(rotated.verify('session-a', token), true)
    assert.notEqual(rotated.issue('session-a'), token, 'new tokens come from the newest key')
  })

  const bad: [string, unknown][] = [
    ['undefined', undefined],
    ['an array', ['x']],
    ['an empty string', ''],
    ['a token one character short', 'A'.repeat(42)],
    ['a wrong token of the right length', 'A'.repeat(43)],
  ]
  for (const [name, token] of bad) {
    it(`refuses ${name}`, () => {
      assert.equal(createCsrfTokens(createKeyring([newer])).verify('session-a', token), false)
    })
  }
})
