// Attack suite: session fixation and forged ids, on every carrier and store over real HTTP
// (docs/security-requirements.md: FX-1, FX-4, SID-3).
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { it } from 'node:test'
import {
  authCookieNames,
  cannotRevoke,
  forEachVariant,
  isServerError,
  jwtClaims,
  type AttackApp,
} from '../helpers/attack-matrix.js'
import { form, type Client } from '../helpers/http.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

/** The store key of the session a browser holds, where the carrier keeps one. */
function storedKeyOf(app: AttackApp, c: Client): string | null {
  const value = c.jar.get('tessera')
  if (value === undefined) return null
  if (app.variant.carrier === 'server') return sha256(value)
  if (app.variant.carrier === 'token') return jwtClaims(value).sid as string
  return null
}

/** A base64url id one bit away from `id`: what an attacker tries after seeing their own id. */
function neighbour(id: string): string {
  const bytes = Buffer.from(id, 'base64url')
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1
  return bytes.toString('base64url')
}

async function profileUser(c: Client): Promise<{ status: number; userId: string | null }> {
  const res = await c.request('/profile')
  assert.ok(!isServerError(res.status), `no 5xx: ${res.status}`)
  return {
    status: res.status,
    userId: res.status === 200 ? (JSON.parse(res.text) as { userId: string }).userId : null,
  }
}

forEachVariant('attack: session fixation', (app, variant) => {
  it('a pre-login cookie planted by an attacker does not survive the victim’s login (FX-1, SID-3)', async () => {
    const attacker = app().client()
    assert.equal((await attacker.request('/views')).status, 200)
    assert.ok(attacker.jar.size > 0, 'the attacker got a pre-login cookie')
    const preLoginKey = storedKeyOf(app(), attacker)
    const victim = app().copy(attacker) // planted in the victim's browser
    assert.equal((await victim.request('/login', form({ user: 'victim' }))).status, 303)
    for (const name of authCookieNames(variant.carrier)) {
      assert.notEqual(victim.jar.get(name), attacker.jar.get(name), `${name} changed at login`)
    }
    assert.equal((await profileUser(victim)).userId, 'victim')
    assert.deepEqual(await profileUser(attacker), { status: 401, userId: null })
    if (preLoginKey !== null) {
      assert.equal(await app().backing!.store.sessions.get(preLoginKey), null, 'old record deleted')
    }
  })

  it('an attacker’s own signed-in cookie planted before login never becomes the victim’s identity (FX-4)', async () => {
    const attacker = await app().signedIn('mallory')
    const victim = app().copy(attacker)
    assert.equal((await victim.request('/login', form({ user: 'victim' }))).status, 303)
    assert.equal((await profileUser(victim)).userId, 'victim')
    for (const name of authCookieNames(variant.carrier)) {
      assert.notEqual(victim.jar.get(name), attacker.jar.get(name), `${name} changed at login`)
    }
    assert.notEqual((await profileUser(attacker)).userId, 'victim')
  })

  it(
    're-login rotates a signed-in session: the previous cookie is dead (FX-1)',
    { skip: cannotRevoke(variant) },
    async () => {
      const browser = await app().signedIn('alice')
      const before = app().copy(browser)
      assert.equal((await browser.request('/login', form({ user: 'alice' }))).status, 303)
      assert.equal((await profileUser(browser)).userId, 'alice')
      assert.deepEqual(await profileUser(before), { status: 401, userId: null })
    },
  )

  it('random, neighbouring and attacker-chosen ids are never adopted and never create a store record (SID-3)', async () => {
    const genuine = await app().signedIn('genuine')
    const loggedOut = await app().signedIn('gone')
    const dead = app().copy(loggedOut)
    await loggedOut.request('/logout', { method: 'POST' })
    for (const name of authCookieNames(variant.carrier)) {
      const forged: [string, string][] = [
        ['random', randomBytes(32).toString('base64url')],
        ['neighbouring', neighbour(genuine.jar.get(name)!)],
        ['attacker-chosen', 'A'.repeat(43)],
        ['attacker-chosen text', 'attacker-chosen-session-id-0000000000000000'],
      ]
      if (cannotRevoke(variant) === false) forged.push(['logged-out', dead.jar.get(name)!])
      for (const [kind, value] of forged) {
        const label = `${kind} ${name}`
        const writes = app().t.store.writes()
        const visitor = app().client()
        visitor.jar.set(name, value)
        assert.deepEqual(await profileUser(visitor), { status: 401, userId: null }, label)
        assert.equal(app().t.store.writes(), writes, `${label}: no store write`)
        // A write, then a login, from the browser holding it: a new id, never the forged one.
        visitor.jar.set(name, value)
        assert.equal((await visitor.request('/views')).status, 200, label)
        assert.equal((await visitor.request('/login', form({ user: 'v' }))).status, 303, label)
        assert.notEqual(visitor.jar.get(name), value, `${label} not adopted`)
        if (app().backing !== null) {
          const store = app().backing!.store
          assert.equal(await store.sessions.get(sha256(value)), null, `${label}: no record`)
        }
      }
    }
  })
})
