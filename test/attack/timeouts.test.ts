// Attack suite: idle and absolute timeouts enforced by the server with an injected clock, however
// the client keeps sending its cookies, on every carrier and store over real HTTP
// (docs/security-requirements.md: TO-1, TO-2, TO-5, RT-5).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachVariant } from '../helpers/attack-matrix.js'
import type { Client } from '../helpers/http.js'

const IDLE = 600
const ABSOLUTE = 1800

async function status(c: Client): Promise<number> {
  return (await c.request('/profile')).status
}

forEachVariant(
  'attack: timeouts',
  (app) => {
    it('the idle timeout ends a session on the server, however the client keeps its cookies (TO-1, TO-5)', async () => {
      const browser = await app().signedIn('idle')
      const stale = app().copy(browser) // never takes a new cookie, ignores Max-Age and deletion
      app().clock.advanceSeconds(IDLE - 1)
      assert.equal(await status(browser), 200, 'just before the idle timeout')
      assert.equal(await status(app().copy(stale)), 200, 'the login cookies, just before too')
      app().clock.advanceSeconds(IDLE + 1)
      assert.equal(await status(browser), 401, 'idle for longer than the timeout')
      assert.equal(await status(app().copy(stale)), 401, 'the login cookies are dead too')
      assert.equal(await status(app().copy(stale)), 401, 'and stay dead')
    })

    it('the absolute timeout ends a session in constant use, and no renewal or refresh extends it (TO-2, RT-5)', async () => {
      const browser = await app().signedIn('absolute')
      for (let at = 500; at < ABSOLUTE; at += 500) {
        app().clock.advanceSeconds(500)
        assert.equal(await status(browser), 200, `in use at ${at} s`)
      }
      const latest = app().copy(browser)
      app().clock.advanceSeconds(ABSOLUTE - 1500)
      assert.equal(await status(browser), 401, 'at the absolute deadline, active or not')
      assert.equal(await status(latest), 401, 'the newest cookies are dead too')
    })
  },
  { app: () => ({ idleTimeoutSeconds: IDLE, absoluteTimeoutSeconds: ABSOLUTE }) },
)
