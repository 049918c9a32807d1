import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { sha256 } from '../../src/crypto/hash.js'
import { fakeClock } from '../../src/testing/fake-clock.js'
import { sharedApp, withApp } from '../helpers/express-app.js'
import { client, form, rawStatus } from '../helpers/http.js'

describe('express adapter over HTTP', () => {
  const shared = sharedApp()

  async function signedIn(user = 'alice') {
    const c = client(shared.server.url)
    const res = await c.request('/login', form({ user }))
    assert.equal(res.status, 303)
    return c
  }

  it('is lazy: an anonymous visitor who writes nothing gets no cookie and no store write', async () => {
    const writes = shared.t.store.writes()
    const res = await client(shared.server.url).request('/profile')
    assert.equal(res.status, 401)
    assert.deepEqual(res.setCookies, [])
    assert.equal(shared.t.store.writes(), writes)
    assert.equal(res.headers.get('cache-control'), null)
  })

  it('sets a plain HttpOnly, SameSite=Lax session cookie over plain HTTP on localhost', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const [line] = (await client(shared.server.url).request('/views')).setCookies
    assert.match(line!, /^tessera=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
    assert.doesNotMatch(line!, /Secure|Max-Age|Expires|Domain/i)
  })

  it('stores only the SHA-256 of the id the browser holds', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const id = c.jar.get('tessera')!
    assert.equal((await shared.t.store.sessions.get(id)) === null, true)
    assert.equal((await shared.t.store.sessions.get(sha256(id)))?.data.views, 1)
  })

  it('signs in with a POST, then serves the profile with Cache-Control: no-store', async () => {
    const c = await signedIn()
    const res = await c.request('/profile')
    assert.equal(res.status, 200)
    assert.equal(JSON.parse(res.text).userId, 'alice')
    assert.equal(res.headers.get('cache-control'), 'no-store')
  })

  it("keeps the app's own Set-Cookie values, set before and after the session's, in order", async () => {
    const res = await client(shared.server.url).request('/login-with-own-cookies', {
      method: 'POST',
    })
    assert.equal(res.status, 303)
    assert.equal(res.setCookies.length, 3)
    assert.equal(res.setCookies[0], 'theme=dark; Path=/')
    assert.match(res.setCookies[1]!, /^tessera=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
    assert.equal(res.setCookies[2], 'lang=en; Path=/')
  })

  it('a pre-login session id does not survive login', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const before = c.jar.get('tessera')!
    await c.request('/login', form({ user: 'alice' }))
    assert.notEqual(c.jar.get('tessera'), before)
    const replay = await client(shared.server.url).request('/peek', {
      headers: { cookie: `tessera=${before}` },
    })
    assert.deepEqual(JSON.parse(replay.text), {})
    assert.equal((await c.request('/profile')).status, 200)
  })

  it('a replayed cookie after logout gets no session; logout clears the cookie', async () => {
    const c = await signedIn()
    const stolen = c.cookieHeader()!
    const res = await c.request('/logout', { method: 'POST' })
    assert.equal(res.status, 303)
    assert.match(res.setCookies[0]!, /^tessera=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/)
    assert.equal(res.headers.get('clear-site-data'), null)
    const replay = await client(shared.server.url).request('/profile', {
      headers: { cookie: stolen },
    })
    assert.equal(replay.status, 401)
  })

  it('150 concurrent update() calls on one session end at exactly 150', async () => {
    const c = await signedIn()
    const replies = await Promise.all(Array.from({ length: 150 }, () => c.request('/count')))
    assert.deepEqual(
      replies.filter((r) => r.status !== 200),
      [],
    )
    const res = await c.request('/profile')
    assert.equal(JSON.parse(res.text).data.count, 150)
  })

  it('two concurrent requests writing different keys both survive', async () => {
    const c = await signedIn()
    await Promise.all([
      c.request('/assign', form({ key: 'a', value: 'from A' })),
      c.request('/assign', form({ key: 'b', value: 'from B' })),
    ])
    const data = JSON.parse((await c.request('/peek')).text)
    assert.deepEqual({ a: data.a, b: data.b }, { a: 'from A', b: 'from B' })
  })

  it('writes an unchanged session at most once per touch interval', async () => {
    const c = await signedIn()
    const writes = shared.t.store.writes()
    for (let i = 0; i < 20; i++) assert.equal((await c.request('/profile')).status, 200)
    assert.equal(shared.t.store.writes(), writes)
  })

  describe('CSRF', () => {
    const crossSite: [string, Record<string, string>][] = [
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['Origin: null', { origin: 'null' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
      ['a foreign Referer', { referer: 'https://evil.example/page' }],
    ]
    for (const [name, headers] of crossSite) {
      it(`refuses a POST carrying the session cookie with ${name} (403)`, async () => {
        const c = await signedIn()
        const init = form({ key: 'a', value: 'forged' })
        const res = await c.request('/assign', {
          ...init,
          headers: { ...init.headers, ...headers },
        })
        assert.equal(res.status, 403)
        assert.doesNotMatch(res.text, /\n\s+at /)
        assert.equal(JSON.parse((await c.request('/peek')).text).a, undefined)
      })
    }

    it('refuses a cross-site login (login CSRF)', async () => {
      const init = form({ user: 'attacker' })
      const res = await client(shared.server.url).request('/login', {
        ...init,
        headers: { ...init.headers, origin: 'https://evil.example' },
      })
      assert.equal(res.status, 403)
      assert.deepEqual(res.setCookies, [])
    })

    it('accepts same-origin POSTs', async () => {
      const c = await signedIn()
      const init = form({ key: 'a', value: 'ok' })
      const res = await c.request('/assign', {
        ...init,
        headers: { ...init.headers, origin: shared.server.url, 'sec-fetch-site': 'same-origin' },
      })
      assert.equal(res.status, 200)
    })

    it('csrf() accepts the session’s form token in the body or the header, and nothing else', async () => {
      const c = client(shared.server.url)
      const token = (await c.request('/form')).text
      assert.match(token, /^[A-Za-z0-9_-]{43}$/)
      assert.equal((await c.request('/form', form({ _csrf: token }))).status, 200)
      const viaHeader = await c.request('/form', {
        method: 'POST',
        headers: { 'x-csrf-token': token },
      })
      assert.equal(viaHeader.status, 200)
      assert.equal((await c.request('/form', form({ _csrf: 'x'.repeat(43) }))).status, 403)
      assert.equal((await c.request('/form', { method: 'POST' })).status, 403)
      const other = client(shared.server.url)
      await other.request('/form')
      assert.equal((await other.request('/form', form({ _csrf: token }))).status, 403)
    })
  })

  it('lists this user’s sessions by handle and revokes only its own', async () => {
    const phone = await signedIn('carol')
    const laptop = await signedIn('carol')
    const mallory = await signedIn('mallory')
    const list = JSON.parse((await laptop.request('/sessions')).text) as { handle: string }[]
    assert.equal(list.length, 2)
    const phoneHandle = JSON.parse((await phone.request('/handle')).text) as string
    assert.ok(list.some((i) => i.handle === phoneHandle))
    assert.equal(phone.cookieHeader()!.includes(phoneHandle), false)
    assert.equal((await mallory.request('/revoke', form({ handle: phoneHandle }))).text, 'false')
    assert.equal((await phone.request('/profile')).status, 200)
    assert.equal((await laptop.request('/revoke', form({ handle: phoneHandle }))).text, 'true')
    assert.equal((await phone.request('/profile')).status, 401)
  })

  it('emits created, rotated, destroyed and rejected events without secrets', async () => {
    shared.t.events.length = 0
    const c = client(shared.server.url)
    await c.request('/views')
    const id = c.jar.get('tessera')!
    await c.request('/login', form({ user: 'dave' }))
    await c.request('/logout', { method: 'POST' })
    await client(shared.server.url).request('/profile', { headers: { cookie: `tessera=${id}` } })
    assert.deepEqual(
      shared.t.events.map((e) => e.type),
      ['created', 'rotated', 'destroyed', 'rejected'],
    )
    assert.equal(JSON.stringify(shared.t.events).includes(id), false)
  })
})

describe('express adapter: hostile cookies', () => {
  const shared = sharedApp()

  const valid = 'A'.repeat(43)
  const hostile: [string, string][] = [
    ['broken percent-encoding', 'tessera=%E0%A4%A'],
    ['a value of the wrong length', 'tessera=abc'],
    ['an id one character too long', `tessera=${valid}A`],
    ['padding', `tessera=${'A'.repeat(42)}=`],
    ['non-canonical trailing bits', `tessera=${'A'.repeat(42)}B`],
    ['__proto__ as the value', 'tessera=__proto__'],
    ['__proto__ as a name', '__proto__=x; constructor=y; tessera=zz'],
    ['two cookies of the same name', `tessera=${valid}; tessera=${'B'.repeat(43)}`],
    ['an unknown well-formed id', `tessera=${valid}`],
    ['a quoted value', `tessera="${valid}"`],
    ['an empty value', 'tessera='],
    ['a 4000-character value', `tessera=${'A'.repeat(4000)}`],
  ]
  for (const [name, cookie] of hostile) {
    it(`treats ${name} as no session, never a 500`, async () => {
      shared.t.rejects.length = 0
      const res = await client(shared.server.url).request('/profile', { headers: { cookie } })
      assert.equal(res.status, 401)
    })
  }

  it('tells onReject why a presented cookie was refused', async () => {
    shared.t.rejects.length = 0
    await client(shared.server.url).request('/profile', { headers: { cookie: 'tessera=abc' } })
    await client(shared.server.url).request('/profile', { headers: { cookie: `tessera=${valid}` } })
    assert.deepEqual(shared.t.rejects, ['ERR_TOKEN_MALFORMED', 'ERR_SESSION_NOT_FOUND'])
  })

  const rawBytes: [string, Buffer][] = [
    ['raw UTF-8', Buffer.from('Cookie: tessera=ñandú-🍪', 'utf8')],
    ['a byte-order mark', Buffer.from('Cookie: tessera=\ufeffAAAA', 'utf8')],
    ['a right-to-left override', Buffer.from('Cookie: tessera=\u202eAAAA', 'utf8')],
    [
      'a lone continuation byte',
      Buffer.concat([Buffer.from('Cookie: tessera='), Buffer.from([0x80, 0xbf])]),
    ],
  ]
  for (const [name, line] of rawBytes) {
    it(`treats ${name} in the Cookie header as no session, never a 500`, async () => {
      assert.equal(await rawStatus(shared.server.port, '/profile', [line]), 401)
    })
  }
})

describe('express adapter: HTTPS and trust proxy', () => {
  it('uses __Host- and Secure when the request is HTTPS through a trusted proxy', async () => {
    await withApp({}, async (t, server) => {
      t.app.set('trust proxy', 'loopback')
      const c = client(server.url)
      const https = { 'x-forwarded-proto': 'https' }
      const res = await c.request('/views', { headers: https })
      assert.match(
        res.setCookies[0]!,
        /^__Host-tessera=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      )
      assert.equal((await c.request('/views', { headers: https })).text, '2')
      // A plain-named cookie is not read on an HTTPS request: only __Host- is trusted there.
      const tossed = `tessera=${c.jar.get('__Host-tessera')}`
      const res2 = await client(server.url).request('/peek', {
        headers: { ...https, cookie: tossed },
      })
      assert.deepEqual(JSON.parse(res2.text), {})
    })
  })

  it("honours an app's own req.secure getter (defined on app.request), not only the socket", async () => {
    await withApp({}, async (t, server) => {
      Object.defineProperty(t.app.request, 'secure', {
        configurable: true,
        get(this: { headers: Record<string, unknown> }) {
          return this.headers['x-edge-tls'] === 'on'
        },
      })
      const edge = await client(server.url).request('/views', { headers: { 'x-edge-tls': 'on' } })
      assert.match(edge.setCookies[0]!, /^__Host-tessera=[^;]+; Path=\/; Secure/)
      const plain = await client(server.url).request('/views')
      assert.match(plain.setCookies[0]!, /^tessera=/)
      assert.doesNotMatch(plain.setCookies[0]!, /Secure/)
    })
  })

  it('takes the host and client address from a trusted proxy (X-Forwarded-Host, -For), else from the request', async () => {
    await withApp({}, async (t, server) => {
      t.app.set('trust proxy', 'loopback')
      const proxied = {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'shop.example',
        'x-forwarded-for': '203.0.113.7',
      }
      // The login POST's Origin is checked against the host the proxy names (CSRF, CS-3).
      const viaProxy = client(server.url)
      const login = form({ user: 'ivy' })
      const foreign = await viaProxy.request('/login', {
        ...login,
        headers: { ...login.headers, ...proxied, origin: 'https://elsewhere.example' },
      })
      assert.equal(foreign.status, 403)
      const own = await viaProxy.request('/login', {
        ...login,
        headers: { ...login.headers, ...proxied, origin: 'https://shop.example' },
      })
      assert.equal(own.status, 303)
      const listed = await viaProxy.request('/sessions', { headers: proxied })
      assert.deepEqual(
        (JSON.parse(listed.text) as { ip?: string }[]).map((x) => x.ip),
        ['203.0.113.7'],
      )
      // Without the proxy's headers: the socket's address and the Host header.
      const direct = client(server.url)
      const other = form({ user: 'jun' })
      await direct.request('/login', {
        ...other,
        headers: { ...other.headers, origin: server.url },
      })
      const mine = await direct.request('/sessions')
      assert.deepEqual(
        (JSON.parse(mine.text) as { ip?: string }[]).map((x) => x.ip),
        ['127.0.0.1'],
      )
    })
  })

  it('ignores X-Forwarded-Proto when the proxy is not trusted', async () => {
    await withApp({}, async (_t, server) => {
      const res = await client(server.url).request('/views', {
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.match(res.setCookies[0]!, /^tessera=/)
      assert.doesNotMatch(res.setCookies[0]!, /Secure/)
    })
  })
})

describe('express adapter: where a request keeps its session', () => {
  it('leaves nothing in req.headers that logging or copying them would show, read or not', async () => {
    await withApp({}, async (t, server) => {
      t.app.get('/headers-seen', (req, res) => {
        const user = req.query.read === '1' ? req.session.userId : undefined
        res.json({
          user,
          inspected: inspect(req.headers),
          copiedSymbols: Object.getOwnPropertySymbols({ ...req.headers }).length,
        })
      })
      const signedIn = client(server.url)
      assert.equal((await signedIn.request('/login', form({ user: 'hana' }))).status, 303)
      for (const [c, path, user] of [
        [client(server.url), '/headers-seen', undefined], // deferred, never opened
        [client(server.url), '/headers-seen?read=1', null], // opened on read, anonymous
        [signedIn, '/headers-seen?read=1', 'hana'], // loaded by the middleware
      ] as const) {
        const res = await c.request(path)
        assert.equal(res.status, 200)
        const seen = JSON.parse(res.text) as {
          user?: string | null
          inspected: string
          copiedSymbols: number
        }
        assert.equal(seen.user, user)
        assert.doesNotMatch(seen.inspected, /Symbol/)
        assert.equal(seen.copiedSymbols, 0)
      }
    })
  })
})

describe('express adapter: store outage and timeouts', () => {
  it('answers 503 with a short message (no stack) while the store is down, and recovers', async () => {
    await withApp({}, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'erin' }))
      t.store.failing = true
      const res = await c.request('/profile')
      assert.equal(res.status, 503)
      assert.match(res.text, /Session store unavailable/)
      assert.doesNotMatch(res.text, /ECONNREFUSED|\bat\s+\S+\s+\(|node:internal/)
      t.store.failing = false
      assert.equal((await c.request('/profile')).status, 200)
    })
  })

  it('answers 503 when the store hangs, within storeTimeoutSeconds, and recovers', async () => {
    await withApp({ storeTimeoutSeconds: 0.05 }, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'hana' }))
      t.store.hanging = true
      assert.equal((await c.request('/profile')).status, 503)
      t.store.hanging = false
      assert.equal((await c.request('/profile')).status, 200)
    })
  })

  it('fails closed by default: a read of a signed-in user during an outage is 503, never anonymous', async () => {
    await withApp({}, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'ivan' }))
      t.store.failing = true
      const res = await c.request('/profile')
      assert.equal(res.status, 503)
      assert.match(res.text, /Session store unavailable; try again shortly\./)
      assert.deepEqual(res.setCookies, [])
    })
  })

  it("storeOutage 'anonymous': a read is served with no session, no cookie and no write", async () => {
    await withApp({ storeOutage: 'anonymous' }, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'judy' }))
      const cookies = [...c.jar]
      const writes = t.store.writes()
      t.store.failing = true
      const res = await c.request('/profile')
      assert.equal(res.status, 401, 'never treated as signed in')
      assert.equal(res.text, 'anonymous')
      assert.deepEqual(res.setCookies, [])
      assert.deepEqual(t.rejects.slice(-1), ['ERR_STORE_UNAVAILABLE'])
      // Anything that would write (a session, or a cookie over the live one) is refused.
      for (const path of ['/views', '/count', '/form']) {
        const refused = await c.request(path)
        assert.equal(refused.status, 503, path)
        assert.deepEqual(refused.setCookies, [], path)
      }
      assert.equal(t.store.writes(), writes)
      assert.deepEqual([...c.jar], cookies)
      t.store.failing = false
      const back = await c.request('/profile')
      assert.equal(back.status, 200)
      assert.equal((JSON.parse(back.text) as { userId: string }).userId, 'judy')
    })
  })

  it("storeOutage 'anonymous' still fails closed for a request that is not a read", async () => {
    await withApp({ storeOutage: 'anonymous' }, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'kim' }))
      t.store.failing = true
      const res = await c.request('/logout', { method: 'POST' })
      assert.equal(res.status, 503)
      assert.deepEqual(res.setCookies, [])
      t.store.failing = false
      assert.equal((await c.request('/profile')).status, 200)
    })
  })

  it("storeOutage 'anonymous' answers a read within storeTimeoutSeconds when the store hangs", async () => {
    await withApp({ storeOutage: 'anonymous', storeTimeoutSeconds: 0.05 }, async (t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'lee' }))
      t.store.hanging = true
      assert.equal((await c.request('/profile')).status, 401)
      t.store.hanging = false
      assert.equal((await c.request('/profile')).status, 200)
    })
  })

  it('sends Clear-Site-Data on logout when asked to', async () => {
    await withApp({ clearSiteDataOnLogout: true }, async (_t, server) => {
      const c = client(server.url)
      await c.request('/login', form({ user: 'frank' }))
      const res = await c.request('/logout', { method: 'POST' })
      assert.equal(res.headers.get('clear-site-data'), '"cookies"')
    })
  })

  it('enforces the idle and absolute timeouts with an injected clock', async () => {
    const clock = fakeClock()
    await withApp(
      { clock, idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 1800 },
      async (t, server) => {
        const c = client(server.url)
        await c.request('/login', form({ user: 'gina' }))
        clock.advanceSeconds(601)
        assert.equal((await c.request('/profile')).status, 401)
        assert.deepEqual(t.rejects, ['ERR_SESSION_EXPIRED'])
        await c.request('/login', form({ user: 'gina' }))
        for (let i = 0; i < 3; i++) {
          clock.advanceSeconds(500)
          assert.equal((await c.request('/profile')).status, 200)
        }
        clock.advanceSeconds(300)
        assert.equal((await c.request('/profile')).status, 401)
      },
    )
  })
})
