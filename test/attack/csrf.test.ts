// Attack suite: cross-site requests riding on the victim's cookies, on every carrier and store
// over real HTTP (docs/security-requirements.md: CS-1, CS-3, CS-4, LO-4).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachVariant } from '../helpers/attack-matrix.js'
import { form, type Client, type Reply } from '../helpers/http.js'

/** What a browser sends on a request another site started. */
const CROSS_SITE: [string, Record<string, string>][] = [
  ['Origin: https://evil.example', { origin: 'https://evil.example' }],
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
  ['Origin: null (a sandboxed frame or a redirect)', { origin: 'null' }],
  ['a foreign Referer and no Origin', { referer: 'https://evil.example/page' }],
  [
    'Sec-Fetch-Site: cross-site with a forged same-looking Origin',
    { 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1' },
  ],
]

/** The state-changing routes of the test app, as a cross-site form would post to them. */
const ROUTES: [string, { method: string; headers: Record<string, string>; body?: string }][] = [
  ['POST /logout', { method: 'POST', headers: {} }],
  ['POST /logout-everywhere', { method: 'POST', headers: {} }],
  ['POST /assign', form({ key: 'a', value: 'set by evil.example' })],
  ['POST /login (as the attacker)', form({ user: 'mallory' })],
]

function assertRefused(res: Reply, label: string): void {
  assert.equal(res.status, 403, label)
  assert.deepEqual(res.setCookies, [], `${label}: no cookie set or cleared`)
  assert.doesNotMatch(res.text, /\n\s+at |node_modules|\.js:\d+/, `${label}: no stack`)
}

async function whoAndWhat(c: Client): Promise<unknown> {
  const res = await c.request('/profile')
  return res.status === 200 ? JSON.parse(res.text) : res.status
}

forEachVariant('attack: CSRF', (app) => {
  it('a cross-site POST carrying the victim’s cookies gets 403 and changes nothing (CS-1, LO-4)', async () => {
    const victim = await app().signedIn('victim')
    const otherDevice = await app().signedIn('victim')
    await victim.request('/assign', form({ key: 'a', value: 'mine' }))
    const before = await whoAndWhat(victim)
    const writes = app().t.store.writes()
    for (const [headersLabel, headers] of CROSS_SITE) {
      for (const [route, init] of ROUTES) {
        const path = route.split(' ')[1]!
        const res = await victim.request(path, {
          ...init,
          headers: { ...init.headers, ...headers },
        })
        assertRefused(res, `${route} with ${headersLabel}`)
      }
    }
    assert.equal(app().t.store.writes(), writes, 'no store write')
    assert.deepEqual(await whoAndWhat(victim), before, 'still signed in, data unchanged')
    assert.equal((await otherDevice.request('/profile')).status, 200, 'other devices untouched')
  })

  it('a cross-site login with no cookie is refused and starts no session (login CSRF, CS-3)', async () => {
    const writes = app().t.store.writes()
    for (const [label, headers] of CROSS_SITE) {
      const browser = app().client()
      const res = await browser.request('/login', {
        ...form({ user: 'mallory' }),
        headers: { ...form({}).headers, ...headers },
      })
      assertRefused(res, label)
      assert.equal(browser.jar.size, 0, label)
    }
    assert.equal(app().t.store.writes(), writes, 'no store write')
  })

  it('same-origin requests pass: Sec-Fetch-Site same-origin or none, Origin equal to the app’s', async () => {
    const sameOrigin: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      { origin: app().server.url },
      { referer: `${app().server.url}/form` },
    ]
    for (const headers of sameOrigin) {
      const label = JSON.stringify(headers)
      const browser = app().client()
      const login = await browser.request('/login', {
        ...form({ user: 'same' }),
        headers: { ...form({}).headers, ...headers },
      })
      assert.equal(login.status, 303, label)
      const assign = await browser.request('/assign', {
        ...form({ key: 'b', value: label }),
        headers: { ...form({}).headers, ...headers },
      })
      assert.equal(assign.status, 200, label)
      assert.deepEqual(await whoAndWhat(browser), { userId: 'same', data: { b: label } }, label)
    }
  })

  it('a cross-site GET of a read-only page is served, but sets no cookie and writes nothing (CS-4)', async () => {
    const victim = await app().signedIn('victim')
    const writes = app().t.store.writes()
    for (const [label, headers] of CROSS_SITE) {
      const res = await victim.request('/profile', { headers })
      assert.equal(res.status, 200, label)
      assert.deepEqual(res.setCookies, [], label)
    }
    assert.equal(app().t.store.writes(), writes)
  })
})
