// Each example app (one per framework) is started and used as a visitor would: the login form,
// signing in, the profile's visit count, signing out.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Started } from '../../examples/pages.js'
import { client, form } from '../helpers/http.js'

const EXAMPLES: Record<string, () => Promise<{ start(port: number): Promise<Started> }>> = {
  express: () => import('../../examples/express.js'),
  fastify: () => import('../../examples/fastify.js'),
  hono: () => import('../../examples/hono.js'),
  koa: () => import('../../examples/koa.js'),
  web: () => import('../../examples/web.js'),
}

describe('examples', () => {
  for (const [name, load] of Object.entries(EXAMPLES)) {
    it(`${name}: login form, sign in, profile counts 1 then 2, sign out`, async () => {
      const app = await (await load()).start(0)
      try {
        const c = client(app.url)
        const page = await c.request('/login')
        assert.equal(page.status, 200)
        assert.match(page.text, /<form method="post" action="\/login">/)
        assert.deepEqual(page.setCookies, [])
        const login = await c.request('/login', form({ username: 'alice' }))
        assert.equal(login.status, 303)
        assert.equal(login.headers.get('location'), '/profile')
        assert.match((await c.request('/profile')).text, /Welcome, alice! Visits: 1</)
        assert.match((await c.request('/profile')).text, /Visits: 2</)
        const again = await c.request('/login')
        assert.ok([302, 303].includes(again.status))
        assert.equal(again.headers.get('location'), '/profile')
        assert.equal((await c.request('/logout', { method: 'POST' })).status, 303)
        const after = await c.request('/profile')
        assert.ok([302, 303].includes(after.status))
        assert.equal(after.headers.get('location'), '/login')
      } finally {
        await app.close()
      }
    })
  }
})
