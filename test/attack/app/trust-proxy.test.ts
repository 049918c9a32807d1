// --trust-proxy on the shipped app: behind a TLS-terminating proxy it trusts, a request the proxy
// marks `X-Forwarded-Proto: https` gets `Secure` `__Host-` cookies and the client address the
// proxy forwarded; without the option, the same headers from the same address are ignored.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachShippedApp, SHIPPED_PASSWORD, type ShippedApp } from '../../helpers/shipped-app.js'

/** Signs `username` in with every request marked as forwarded by a proxy for 203.0.113.7 over HTTPS. */
async function signInThroughProxy(app: ShippedApp, username: string) {
  await app.signedUp(username)
  const origin = app.url.replace(/^http:/, 'https:')
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' }
  const browser = app.client()
  const form = await browser.get('/login', forwarded)
  const token = /name="_csrf" value="([^"]*)"/.exec(form.body)?.[1] ?? ''
  const wrong = await browser.post(
    '/login',
    { _csrf: token, username, password: 'not the password' },
    { ...forwarded, origin },
  )
  assert.equal(wrong.status, 401)
  const res = await browser.post(
    '/login',
    { _csrf: token, username, password: SHIPPED_PASSWORD },
    { ...forwarded, origin },
  )
  assert.equal(res.status, 303)
  return res.headers.getSetCookie()
}

function failedFrom(app: ShippedApp): unknown[] {
  return app.logged.filter((e) => e.event === 'login.failed').map((e) => e.ip)
}

forEachShippedApp(
  'trusted proxy',
  (app, { carrier }) => {
    it('X-Forwarded-Proto: https from the trusted hop gives Secure __Host- cookies and the forwarded client address', async () => {
      const cookies = await signInThroughProxy(app(), `proxied-${carrier}`)
      const session = cookies.filter((c) => /^(__Host-)?tessera[=.]/.test(c))
      assert.ok(session.length > 0, cookies.join('\n'))
      for (const line of session) {
        assert.match(line, /^__Host-tessera/, line)
        assert.match(line, /;\s*Secure/i, line)
      }
      assert.deepEqual(failedFrom(app()), ['203.0.113.7'], 'the throttle counts the real client')
    })
  },
  { args: ['--trust-proxy', 'loopback'] },
)

forEachShippedApp('untrusted proxy headers', (app, { carrier }) => {
  it('without --trust-proxy, X-Forwarded-Proto and X-Forwarded-For are not trusted', async () => {
    const cookies = await signInThroughProxy(app(), `direct-${carrier}`)
    const session = cookies.filter((c) => /^(__Host-)?tessera[=.]/.test(c))
    assert.ok(session.length > 0, cookies.join('\n'))
    for (const line of session) {
      assert.doesNotMatch(line, /^__Host-/, line)
      assert.doesNotMatch(line, /;\s*Secure/i, line)
    }
    assert.deepEqual(failedFrom(app()), ['127.0.0.1'], 'the throttle counts the connection')
  })
})
