// The carrier contract of docs/design.md, run against every carrier over real HTTP through the
// Express adapter: the same app, the same routes, one option apart. Carrier-specific behaviour is
// tested in cookie-carrier.test.ts, token-carrier.test.ts and test/adapters/express.test.ts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ExpressSessionOptions } from '../../src/adapters/express.js'
import type { CarrierKind } from '../../src/session/carrier.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { fakeClock, type FakeClock } from '../../src/testing/fake-clock.js'
import { testApp, withApp, type AppData, type TestApp } from '../helpers/express-app.js'
import { client, listen, rawStatus, type Client, type Running } from '../helpers/http.js'

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

/** The cookie names each carrier writes (the cookie carrier's chunks aside). */
const COOKIE_NAMES: Record<CarrierKind, string[]> = {
  server: ['tessera'],
  cookie: ['tessera'],
  token: ['tessera', 'tessera-refresh'],
}

const HOSTILE_VALUES: [string, string][] = [
  ['broken percent-encoding', '%E0%A4%A'],
  ['a short value', 'abc'],
  ['a JWT-looking value with alg none', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.'],
  ['a value with four dots', 'a.b.c.d.e'],
  ['__proto__', '__proto__'],
  ['an empty value', ''],
  ['a 4000-character value', 'A'.repeat(4000)],
  ['a well-formed random id', 'A'.repeat(43)],
]

for (const carrier of ['server', 'cookie', 'token'] as const) {
  describe(`carrier contract: ${carrier}`, () => {
    const shared = {} as { t: TestApp; server: Running }
    before(async () => {
      shared.t = testApp({ carrier } as Partial<ExpressSessionOptions<AppData>>)
      shared.server = await listen(shared.t.app)
    })
    after(() => shared.server.close())

    async function signedIn(user = 'alice'): Promise<Client> {
      const c = client(shared.server.url)
      assert.equal((await c.request('/login', form({ user }))).status, 303)
      return c
    }

    function copyOf(c: Client): Client {
      const copy = client(shared.server.url)
      for (const [k, v] of c.jar) copy.jar.set(k, v)
      return copy
    }

    it('is lazy: a visitor who writes nothing gets no cookie and causes no store write', async () => {
      const writes = shared.t.store.writes()
      const res = await client(shared.server.url).request('/peek')
      assert.equal(res.status, 200)
      assert.deepEqual(res.setCookies, [])
      assert.equal(shared.t.store.writes(), writes)
    })

    it('login rotates: the pre-login cookies are not signed in afterwards', async () => {
      const c = client(shared.server.url)
      await c.request('/views')
      const before = copyOf(c)
      await c.request('/login', form({ user: 'alice' }))
      assert.notDeepEqual([...c.jar], [...before.jar])
      assert.equal((await before.request('/profile')).status, 401)
      assert.equal((await c.request('/profile')).status, 200)
      assert.equal(JSON.parse((await c.request('/profile')).text).data.views, 1, 'data kept')
    })

    it('logout clears the cookies, and a replayed copy gets no session', async () => {
      const c = await signedIn()
      const stolen = copyOf(c)
      const res = await c.request('/logout', { method: 'POST' })
      assert.equal(res.status, 303)
      assert.ok(res.setCookies.length > 0 && res.setCookies.every((l) => /Max-Age=0/.test(l)))
      assert.equal(c.jar.size, 0)
      assert.equal((await stolen.request('/profile')).status, 401)
    })

    it('lists the user’s sessions and revokes one by handle', async () => {
      const phone = await signedIn('bob')
      const laptop = await signedIn('bob')
      const list = JSON.parse((await laptop.request('/sessions')).text) as {
        handle: string
        current: boolean
      }[]
      assert.equal(list.length, 2)
      const other = list.find((s) => !s.current)!
      assert.equal((await laptop.request('/revoke', form({ handle: other.handle }))).text, 'true')
      assert.equal((await phone.request('/profile')).status, 401)
      assert.equal((await laptop.request('/profile')).status, 200)
    })

    it('logoutEverywhere ends the user’s other sessions', async () => {
      const a = await signedIn('carol')
      const b = await signedIn('carol')
      const c = await signedIn('carol')
      assert.equal((await a.request('/logout-everywhere', { method: 'POST' })).text, '2')
      assert.equal((await b.request('/profile')).status, 401)
      assert.equal((await c.request('/profile')).status, 401)
      assert.equal((await a.request('/profile')).status, 200)
    })

    it('update(fn) writes atomically and the next request sees it', async () => {
      const c = await signedIn()
      for (let i = 1; i <= 3; i++) assert.equal((await c.request('/count')).text, String(i))
    })

    it('commits a plain assignment before the response', async () => {
      const c = client(shared.server.url)
      assert.equal((await c.request('/views')).text, '1')
      assert.equal((await c.request('/views')).text, '2')
      assert.equal((await c.request('/redirect-after-write')).status, 302)
      assert.equal(JSON.parse((await c.request('/peek')).text).x, 'written')
    })

    for (const [name, value] of HOSTILE_VALUES) {
      it(`treats ${name} as no session, never a 500`, async () => {
        for (const cookieName of COOKIE_NAMES[carrier]) {
          const res = await client(shared.server.url).request('/profile', {
            headers: { cookie: `${cookieName}=${value}` },
          })
          assert.equal(res.status, 401, `${cookieName}=${name}`)
        }
      })
    }

    it('refuses a copy of a genuine cookie sent alongside a planted one of the same name', async () => {
      const c = await signedIn()
      for (const cookieName of COOKIE_NAMES[carrier]) {
        const genuine = c.jar.get(cookieName)!
        const res = await client(shared.server.url).request('/profile', {
          headers: { cookie: `${cookieName}=${genuine}; ${cookieName}=${'A'.repeat(43)}` },
        })
        assert.equal(res.status, 401, cookieName)
      }
    })

    it('treats raw UTF-8 in the Cookie header as no session, never a 500', async () => {
      const line = Buffer.from(`Cookie: ${COOKIE_NAMES[carrier][0]}=ñandú-🍪`, 'utf8')
      assert.equal(await rawStatus(shared.server.port, '/profile', [line]), 401)
    })
  })

  describe(`carrier contract: ${carrier}, timeouts with an injected clock`, () => {
    async function withClock(fn: (c: Client, clock: FakeClock, t: TestApp) => Promise<void>) {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      await withApp(
        { carrier, clock, idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 1800 },
        (t, server) => fn(client(server.url), clock, t),
        createMemoryStore({ clock }),
      )
    }

    it('ends a session after the idle timeout', async () => {
      await withClock(async (c, clock, t) => {
        await c.request('/login', form({ user: 'gina' }))
        clock.advanceSeconds(599)
        assert.equal((await c.request('/profile')).status, 200)
        clock.advanceSeconds(601)
        assert.equal((await c.request('/profile')).status, 401)
        assert.ok(t.rejects.length > 0)
      })
    })

    it('ends a session at the absolute timeout even while it is in use', async () => {
      await withClock(async (c, clock) => {
        await c.request('/login', form({ user: 'gina' }))
        for (let i = 0; i < 3; i++) {
          clock.advanceSeconds(500)
          assert.equal((await c.request('/profile')).status, 200, `at ${(i + 1) * 500} s`)
        }
        clock.advanceSeconds(300)
        assert.equal((await c.request('/profile')).status, 401)
      })
    })
  })
}
