// The reference app's "Remember me" checkbox, through the app as it ships: ticked, the session
// cookie persists until the absolute timeout (12 h) and keeps doing so on later writes;
// unticked, it is a browser-session cookie.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachShippedApp, SHIPPED_PASSWORD } from '../../helpers/shipped-app.js'
import type { Page } from '../../helpers/web-client.js'

const ABSOLUTE_SECONDS = 12 * 60 * 60

/** The session's own cookies a response set (the access/session cookie, refresh, chunks). */
function sessionCookies(page: Page): string[] {
  return page.headers
    .getSetCookie()
    .filter((line) => /^tessera(-refresh|\.\d+)?=/.test(line) && !/Max-Age=0/i.test(line))
}

function maxAge(line: string): number | null {
  const match = /;\s*Max-Age=(\d+)/i.exec(line)
  return match === null ? null : Number(match[1])
}

forEachShippedApp('POST /login with "Remember me"', (app) => {
  it('shows the checkbox on the sign-in form', async () => {
    const page = await app().client().get('/login')
    assert.match(page.body, /<input name="remember" type="checkbox" value="on" \/> Remember me/)
  })

  it('ticked: a cookie that persists to the absolute timeout, on login and on later writes', async () => {
    await app().signedUp('remembered')
    const browser = app().client()
    const login = await browser.submit('/login', '/login', {
      username: 'remembered',
      password: SHIPPED_PASSWORD,
      remember: 'on',
    })
    assert.equal(login.status, 303)
    const set = sessionCookies(login)
    assert.ok(set.length > 0, 'the login sets the session cookie')
    for (const line of set) {
      const seconds = maxAge(line)
      assert.ok(
        seconds !== null && seconds > ABSOLUTE_SECONDS - 5 && seconds <= ABSOLUTE_SECONDS,
        line,
      )
    }
    const profile = await browser.get('/profile') // a data write (the visit counter)
    assert.equal(profile.status, 200)
    assert.ok(sessionCookies(profile).length > 0, 'the later write renews the cookie')
    for (const line of sessionCookies(profile)) {
      const seconds = maxAge(line)
      assert.ok(seconds !== null && seconds > ABSOLUTE_SECONDS - 5, `later write: ${line}`)
    }
  })

  it('unticked: a browser-session cookie, on login and on later writes', async () => {
    await app().signedUp('forgetful')
    const browser = app().client()
    const login = await browser.submit('/login', '/login', {
      username: 'forgetful',
      password: SHIPPED_PASSWORD,
    })
    assert.equal(login.status, 303)
    const set = sessionCookies(login)
    assert.ok(set.length > 0, 'the login sets the session cookie')
    const profile = await browser.get('/profile')
    assert.equal(profile.status, 200)
    for (const line of [...set, ...sessionCookies(profile)]) {
      assert.equal(maxAge(line), null, line)
      assert.doesNotMatch(line, /Expires=/i)
    }
  })
})
