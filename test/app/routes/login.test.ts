import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_THROTTLE_POLICY } from '../../../app/throttle.js'
import { startTestApp } from '../../helpers/test-app.js'
import { csrfTokenOf, WebClient } from '../../helpers/web-client.js'

const PASSWORD = 'correct horse battery'

describe('POST /login', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>
  before(async () => {
    app = await startTestApp(
      {},
      { throttlePolicy: { ...DEFAULT_THROTTLE_POLICY, freeFailures: 3, baseDelaySeconds: 60 } },
    )
    for (const name of ['alice', 'bob', 'carol']) {
      const res = await new WebClient(app.url).submit('/register', '/register', {
        username: name,
        password: PASSWORD,
      })
      assert.equal(res.status, 303)
    }
  })
  after(async () => {
    await app.close()
  })

  async function attempt(client: WebClient, username: string, password: string) {
    return client.submit('/login', '/login', { username, password })
  }

  it('gives an unknown user and a wrong password the same status and message', async () => {
    const unknown = await attempt(new WebClient(app.url), 'nobody-here', 'whatever password')
    const wrong = await attempt(new WebClient(app.url), 'alice', 'not her password')
    assert.equal(unknown.status, 401)
    assert.equal(wrong.status, 401)
    const message = (body: string) => /role="alert">([^<]*)</.exec(body)?.[1]
    assert.equal(message(unknown.body), 'Wrong username or password.')
    assert.equal(message(wrong.body), message(unknown.body))
  })

  it('refuses arrays and objects in place of strings with the same generic failure', async () => {
    const client = new WebClient(app.url)
    const page = await client.get('/login')
    const body = `_csrf=${encodeURIComponent(csrfTokenOf(page.body))}&username=alice&username=bob&password=x`
    const res = await client.request('/login', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: app.url,
        'sec-fetch-site': 'same-origin',
      },
    })
    assert.equal(res.status, 401)
    assert.match(res.body, /Wrong username or password/)
  })

  it('throttles repeated failures with 429 and Retry-After', async () => {
    const attacker = new WebClient(app.url)
    for (let i = 0; i < 3; i++)
      assert.equal((await attempt(attacker, 'bob', `guess ${i}`)).status, 401)
    const res = await attempt(attacker, 'bob', PASSWORD)
    assert.equal(res.status, 429)
    assert.ok(Number(res.headers.get('retry-after')) >= 1)
    assert.match(res.body, /Too many attempts/)
  })

  it('does not let failures from an attacker lock out a device that signed in before', async () => {
    const owner = new WebClient(app.url)
    assert.equal((await attempt(owner, 'carol', PASSWORD)).location, '/profile')
    await owner.submit('/profile', '/logout', {})
    // Same IP (127.0.0.1) as the owner: only the device cookie tells them apart.
    const attacker = new WebClient(app.url)
    for (let i = 0; i < 4; i++) await attempt(attacker, 'carol', `guess ${i}`)
    assert.equal((await attempt(attacker, 'carol', PASSWORD)).status, 429)
    const res = await attempt(owner, 'carol', PASSWORD)
    assert.equal(res.status, 303)
    assert.equal(res.location, '/profile')
  })
})
