// The session behaviour every adapter must show, as one table of cases run against each adapter
// (express, fastify, hono, koa, web) with the real framework over real HTTP on 127.0.0.1.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TokenResponse } from '../../src/session/request-session.js'
import {
  ADAPTERS,
  startAdapterApp,
  type AdapterApp,
  type AppOptions,
} from '../helpers/adapter-apps.js'
import { client, type Client } from '../helpers/http.js'

const AUTH_COOKIE = /^(__Host-)?tessera(-refresh)?=/

async function signedIn(app: AdapterApp, user = 'alice'): Promise<Client> {
  const c = client(app.url)
  const res = await c.request(`/login?user=${user}`, { method: 'POST' })
  assert.equal(res.status, 303)
  assert.equal(c.jar.size, 1)
  return c
}

async function profile(
  c: Client,
): Promise<{ status: number; userId?: string; data?: Record<string, number> }> {
  const res = await c.request('/profile')
  return res.status === 200
    ? { status: 200, ...(JSON.parse(res.text) as object) }
    : { status: res.status }
}

/** The client addresses `list()` shows for the sessions of `c`'s user. */
async function ipsOf(c: Client): Promise<(string | undefined)[]> {
  const res = await c.request('/sessions')
  assert.equal(res.status, 200)
  return (JSON.parse(res.text) as { ip?: string }[]).map((s) => s.ip)
}

/** Signs in with `X-Forwarded-For: 203.0.113.7`, as a proxy (or a client posing as one) sends it. */
async function forwardedLogin(app: AdapterApp): Promise<Client> {
  const c = client(app.url)
  const login = await c.request('/login?user=alice', {
    method: 'POST',
    headers: { 'x-forwarded-for': '203.0.113.7' },
  })
  assert.equal(login.status, 303)
  return c
}

function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } }
}

interface Case {
  readonly name: string
  readonly options?: AppOptions
  run(app: AdapterApp): Promise<void>
}

const TOKEN: AppOptions = { session: { carrier: 'token', refreshGraceSeconds: 0 } }

const CASES: readonly Case[] = [
  {
    name: 'is lazy: a route that does not touch the session sets no cookie and writes nothing',
    async run(app) {
      const res = await client(app.url).request('/profile')
      assert.equal(res.status, 401)
      assert.deepEqual(res.setCookies, [])
      assert.deepEqual((await client(app.url).request('/peek')).setCookies, [])
      assert.equal(app.store.writes(), 0)
    },
  },
  {
    name: 'counts visits with plain assignments, committed before the reply',
    async run(app) {
      const c = client(app.url)
      for (const expected of ['1', '2', '3'])
        assert.equal((await c.request('/views')).text, expected)
      assert.equal(JSON.parse((await c.request('/peek')).text).views, 3)
    },
  },
  {
    name: '50 concurrent update() increments on one session end at exactly 50',
    async run(app) {
      const c = await signedIn(app)
      const replies = await Promise.all(Array.from({ length: 50 }, () => c.request('/count')))
      assert.ok(replies.every((r) => r.status === 200))
      assert.equal((await profile(c)).data?.count, 50)
    },
  },
  {
    name: 'login rotates the session id: the pre-login cookie is dead',
    async run(app) {
      const c = client(app.url)
      await c.request('/views')
      const before = c.cookieHeader() as string
      await c.request('/login?user=alice', { method: 'POST' })
      assert.notEqual(c.cookieHeader(), before)
      assert.equal((await profile(c)).userId, 'alice')
      const old = await client(app.url).request('/peek', { headers: { cookie: before } })
      assert.equal(old.text, '{}')
    },
  },
  {
    name: 'a tampered cookie is no session, never a 500',
    async run(app) {
      const c = await signedIn(app)
      const [name, value] = [...c.jar][0] as [string, string]
      const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.slice(-1)
      const res = await client(app.url).request('/profile', {
        headers: { cookie: `${name}=${flipped}` },
      })
      assert.equal(res.status, 401)
    },
  },
  {
    name: 'a cross-site POST carrying the session is refused with 403 and changes nothing',
    async run(app) {
      const c = await signedIn(app)
      const res = await c.request('/logout', {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
      })
      assert.equal(res.status, 403)
      assert.deepEqual(res.setCookies, [])
      assert.equal((await profile(c)).userId, 'alice')
    },
  },
  {
    name: 'a store outage answers 503, and the session is back when the store is',
    async run(app) {
      const c = await signedIn(app)
      app.store.failing = true
      const res = await c.request('/profile')
      assert.equal(res.status, 503)
      assert.doesNotMatch(res.text, /ECONNREFUSED|\n\s+at /)
      app.store.failing = false
      assert.equal((await profile(c)).userId, 'alice')
    },
  },
  {
    name: 'a write that fails after the handler answers 503, not the handler’s success',
    async run(app) {
      const c = client(app.url)
      await c.request('/views')
      app.store.failing = 'replace'
      const res = await c.request('/views')
      app.store.failing = false
      assert.equal(res.status, 503)
      assert.equal(JSON.parse((await c.request('/peek')).text).views, 1)
    },
  },
  {
    name: 'logout clears the cookie, and a replayed cookie gets no session',
    async run(app) {
      const c = await signedIn(app)
      const stolen = c.cookieHeader() as string
      const res = await c.request('/logout', { method: 'POST' })
      assert.equal(res.status, 303)
      assert.match(res.setCookies.join('\n'), /Max-Age=0/)
      assert.equal(c.jar.size, 0)
      assert.equal(
        (await client(app.url).request('/profile', { headers: { cookie: stolen } })).status,
        401,
      )
    },
  },
  {
    name: 'sign-out everywhere ends every session of the user',
    async run(app) {
      const [laptop, phone, other] = [
        await signedIn(app),
        await signedIn(app),
        await signedIn(app, 'bob'),
      ]
      const res = await laptop.request('/logout-everywhere', { method: 'POST' })
      assert.equal(res.text, '2')
      assert.equal((await profile(phone)).status, 401)
      assert.equal((await profile(laptop)).status, 401)
      assert.equal((await profile(other)).userId, 'bob')
    },
  },
  {
    name: 'honours the framework’s trusted proxy: HTTPS through it gets a __Host- Secure cookie',
    options: { trustProxy: true },
    async run(app) {
      const res = await client(app.url).request('/views', {
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.match(res.setCookies[0] ?? '', /^__Host-tessera=.*; Secure/)
    },
  },
  {
    name: 'records the client address with the session: list() shows the peer’s',
    async run(app) {
      const c = await signedIn(app)
      assert.deepEqual(await ipsOf(c), ['127.0.0.1'])
    },
  },
  {
    name: 'behind its trusted proxy, the client address is the forwarded one',
    options: { trustProxy: true },
    async run(app) {
      assert.deepEqual(await ipsOf(await forwardedLogin(app)), ['203.0.113.7'])
    },
  },
  {
    name: 'ignores X-Forwarded-For when no proxy is trusted',
    async run(app) {
      assert.deepEqual(await ipsOf(await forwardedLogin(app)), ['127.0.0.1'])
    },
  },
  {
    name: 'ignores X-Forwarded-Proto when no proxy is trusted',
    async run(app) {
      const res = await client(app.url).request('/views', {
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.match(res.setCookies[0] ?? '', /^tessera=/)
      assert.doesNotMatch(res.setCookies[0] ?? '', /Secure/)
    },
  },
  {
    name: 'Bearer: tokens from session.tokens(), a bearer-only request is signed in and gets no cookie',
    options: TOKEN,
    async run(app) {
      const api = client(app.url)
      const login = await api.request('/api/login?user=carol', { method: 'POST' })
      const tokens = JSON.parse(login.text) as TokenResponse
      assert.equal(tokens.token_type, 'Bearer')
      assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 600)
      assert.equal(typeof tokens.access_token, 'string')
      assert.equal(typeof tokens.refresh_token, 'string')
      const me = await client(app.url).request('/profile', bearer(tokens.access_token))
      assert.equal(me.status, 200)
      assert.equal(JSON.parse(me.text).userId, 'carol')
      assert.deepEqual(me.setCookies, [])
      const count = await client(app.url).request('/count', bearer(tokens.access_token))
      assert.equal(count.text, '1')
      assert.deepEqual(
        count.setCookies.filter((c) => AUTH_COOKIE.test(c)),
        [],
      )
    },
  },
  {
    name: 'Bearer: one refresh call rotates the tokens; a reused refresh token revokes the family',
    options: TOKEN,
    async run(app) {
      const api = client(app.url)
      const first = JSON.parse(
        (await api.request('/api/login?user=dave', { method: 'POST' })).text,
      ) as TokenResponse
      const refresh = (token: string | undefined) =>
        client(app.url).request('/api/refresh', {
          method: 'POST',
          headers: { 'x-refresh-token': token ?? '' },
        })
      const res = await refresh(first.refresh_token)
      assert.equal(res.status, 200)
      assert.deepEqual(res.setCookies, [])
      const next = JSON.parse(res.text) as TokenResponse
      assert.notEqual(next.refresh_token, first.refresh_token)
      assert.equal(next.token_type, 'Bearer')
      assert.equal(
        (await client(app.url).request('/profile', bearer(next.access_token))).status,
        200,
      )
      assert.equal((await refresh(first.refresh_token)).status, 401) // reuse: the family is revoked
      assert.equal((await refresh(next.refresh_token)).status, 401)
      assert.equal(
        (await client(app.url).request('/profile', bearer(next.access_token))).status,
        401,
      )
      assert.equal((await refresh('not a token')).status, 401)
    },
  },
]

for (const adapter of Object.keys(ADAPTERS)) {
  describe(`session behaviour on ${adapter}`, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const app = await startAdapterApp(adapter, c.options)
        try {
          await c.run(app)
        } finally {
          await app.close()
        }
      })
    }
  })
}
