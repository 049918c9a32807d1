// Attack suite: replay after logout, sign-out everywhere across app instances, and refresh-token
// reuse, on every carrier and store over real HTTP (docs/security-requirements.md: LO-1, LO-2,
// CO-3, RT-3).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MAX_REVOCATION_CACHE_MS } from '../../src/session/revocation-cache.js'
import { cannotRevoke, forEachVariant, type Instance } from '../helpers/attack-matrix.js'
import type { Client } from '../helpers/http.js'

async function status(c: Client): Promise<number> {
  return (await c.request('/profile')).status
}

/** A browser of `instance` holding exactly `cookies` (name → value). */
function holding(instance: Instance, cookies: [string, string][]): Client {
  const c = instance.client()
  for (const [name, value] of cookies) c.jar.set(name, value)
  return c
}

forEachVariant('attack: replay after logout', (app, variant) => {
  const skip = cannotRevoke(variant)

  it(
    'replaying the cookies after logout gives no session, here and in another instance (LO-1, LO-2)',
    { skip },
    async () => {
      const other = await app().another()
      const victim = await app().signedIn('replayed')
      const stolen = [...victim.jar]
      assert.equal(await status(holding(other, stolen)), 200, 'the copy works before logout')
      assert.equal((await victim.request('/logout', { method: 'POST' })).status, 303)
      assert.equal(victim.jar.size, 0, 'logout cleared every cookie')
      assert.equal(await status(holding(app(), stolen)), 401, 'replayed where it logged out')
      app().clock.advanceMs(MAX_REVOCATION_CACHE_MS)
      assert.equal(await status(holding(other, stolen)), 401, 'replayed in another instance')
      for (const cookie of stolen) {
        assert.equal(await status(holding(app(), [cookie])), 401, `${cookie[0]} alone`)
        assert.equal(await status(holding(other, [cookie])), 401, `${cookie[0]} alone, elsewhere`)
      }
    },
  )

  it(
    'after logoutEverywhere, the other devices are out in every instance within 1 s (LO-2, CO-3)',
    { skip },
    async () => {
      const other = await app().another()
      const phone = await other.signedIn('everywhere')
      const tablet = await app().signedIn('everywhere')
      assert.equal(await status(phone), 200, 'the phone is in, and its instance has cached that')
      const laptop = await app().signedIn('everywhere')
      const ended = await laptop.request('/logout-everywhere', { method: 'POST' })
      assert.equal(ended.text, '2')
      assert.equal(await status(holding(app(), [...phone.jar])), 401, 'out at once where revoked')
      assert.equal(await status(tablet), 401, 'out at once where revoked')
      if (variant.carrier === 'server') assert.equal(await status(phone), 401, 'no cache at all')
      app().clock.advanceMs(MAX_REVOCATION_CACHE_MS)
      assert.equal(await status(phone), 401, 'out in the other instance within 1 s')
      assert.equal(await status(laptop), 200, 'the device that asked stays in')
    },
  )

  if (variant.carrier === 'token') {
    it('a reused refresh token revokes the family: thief and victim are out, the victim’s live access token included (RT-3)', async () => {
      const victim = await app().signedIn('reused')
      const thief = app().copy(victim)
      app().clock.advanceSeconds(620) // the access token (600 s, 5 s of leeway) has expired
      assert.equal(await status(victim), 200, 'the victim refreshes inside the middleware')
      assert.notEqual(victim.jar.get('tessera-refresh'), thief.jar.get('tessera-refresh'))
      app().clock.advanceSeconds(30) // well past the grace window
      assert.equal(await status(thief), 401, 'the thief replays the used refresh token')
      assert.ok(app().t.events.some((e) => e.type === 'refresh-token-reused'))
      assert.equal(await status(victim), 401, 'the family and its live access token are dead')
      app().clock.advanceSeconds(620)
      assert.equal(await status(victim), 401, 'no refresh either')
    })
  }
})
