// The session-guessing throttle (BF-3) of the shipped app, at its shipped limit: a flood of
// forged session cookies from one address slows down that address's forged cookies only; a
// valid session sent from the same address (a neighbour behind the same NAT or proxy, or the
// attacker's own victim) is still served.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DEFAULT_THROTTLE_POLICY } from '../../../app/throttle.js'
import { forEachShippedApp, forgedSessionCookie } from '../../helpers/shipped-app.js'

const FREE = DEFAULT_THROTTLE_POLICY.invalidSessionFreeFailures

forEachShippedApp('guess throttle spares valid sessions', (app, { carrier }) => {
  it(`past ${FREE} forged cookies from 127.0.0.1, forged ones get 429 but a valid session from 127.0.0.1 gets 200`, async () => {
    const victim = await app().signedUp(`victim-${carrier}`)
    assert.equal((await victim.get('/profile')).status, 200, 'signed in before the flood')
    let refused = 0
    for (let i = 0; i < FREE + 50 && refused === 0; i++) {
      const res = await fetch(`${app().url}/profile`, {
        headers: { cookie: forgedSessionCookie(carrier) },
        redirect: 'manual',
      })
      await res.arrayBuffer()
      if (res.status === 429) refused++
    }
    assert.equal(refused, 1, 'the flood of forged cookies was slowed down')
    const res = await victim.get('/profile')
    assert.equal(res.status, 200, 'the valid session is served')
    assert.match(res.body, /welcome victim-/)
    const forged = await fetch(`${app().url}/profile`, {
      headers: { cookie: forgedSessionCookie(carrier) },
      redirect: 'manual',
    })
    await forged.arrayBuffer()
    assert.equal(forged.status, 429, 'forged cookies are still slowed down')
    assert.ok(Number(forged.headers.get('retry-after')) >= 1)
  })
})
