// Attack suite: a store that fails on demand (test/helpers/session.ts's instrumented store), on
// every carrier and store over real HTTP: fail closed and fast, recover by itself
// (docs/security-requirements.md: SO-1, SO-2, EH-2, SID-6).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MAX_REVOCATION_CACHE_MS } from '../../src/session/revocation-cache.js'
import { forEachVariant } from '../helpers/attack-matrix.js'
import { form, type Client, type Reply } from '../helpers/http.js'

function assertUnavailable(res: Reply, secrets: Client, label: string): void {
  assert.equal(res.status, 503, label)
  assert.match(res.text, /Session store unavailable/, label)
  assert.doesNotMatch(
    res.text,
    /\n\s+at |ECONNREFUSED|node_modules|\.js:\d+/,
    `${label}: no internals`,
  )
  for (const value of secrets.jar.values()) {
    assert.ok(!res.text.includes(value), `${label}: no cookie value in the body`)
  }
  assert.deepEqual(res.setCookies, [], `${label}: no cookie set`)
}

forEachVariant(
  'attack: store outage',
  (app) => {
    it('while the store is down, protected routes answer 503, never protected content or a stack, and work again once it is back (SO-1, SO-2)', async () => {
      const victim = await app().signedIn('outage')
      await victim.request('/assign', form({ key: 'a', value: 'before the outage' }))
      // Past the ≤ 1 s revocation cache of the cookie and token carriers: the store is asked.
      app().clock.advanceMs(MAX_REVOCATION_CACHE_MS)
      app().t.store.failing = true
      try {
        assertUnavailable(await victim.request('/profile'), victim, 'GET /profile')
        assertUnavailable(await victim.request('/count'), victim, 'GET /count (a write)')
        const newcomer = app().client()
        const login = await newcomer.request('/login', form({ user: 'during' }))
        assertUnavailable(login, victim, 'POST /login')
        assert.equal(newcomer.jar.size, 0, 'no session is handed out that the store did not keep')
        assertUnavailable(
          await victim.request('/logout', { method: 'POST' }),
          victim,
          'POST /logout',
        )
      } finally {
        app().t.store.failing = false
      }
      const after = await victim.request('/profile')
      assert.equal(after.status, 200, 'the session from before the outage works again')
      assert.deepEqual(JSON.parse(after.text), {
        userId: 'outage',
        data: { a: 'before the outage' },
      })
      assert.equal((await app().signedIn('after')).jar.size > 0, true, 'logins work again')
    })
  },
  { only: (v) => v.store !== null },
)
