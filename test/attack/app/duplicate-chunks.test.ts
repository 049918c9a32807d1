// Duplicate chunk cookies on the shipped app (cookie carrier). A sealed session too large for one
// cookie travels as `tessera.0`, `tessera.1`, …, and the app reads such a set as one value. A
// sibling subdomain can toss a second cookie of the same name (with its own Domain or Path), and
// the browser then sends both: the app must not guess between them (first-wins would let the
// attacker's copy, or its own session, stand in for the victim's); the request has no session,
// and is answered normally, never with a 500.
//
// The app's own sessions (a name and a counter) fit in one cookie, so the test splits the
// app-issued sealed value at the carrier's chunk names itself: the app accepts that set as the
// session it issued, which is what makes the duplicated sets below an attack on its chunk reader.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SHIPPED_STORES, startShippedApp, type ShippedApp } from '../../helpers/shipped-app.js'

const NAME = 'tessera'

/** `value` split into `tessera.0`, `tessera.1`, `tessera.2`, as the carrier names chunks. */
function chunks(value: string): string[] {
  const third = Math.ceil(value.length / 3)
  return [0, 1, 2].map((i) => `${NAME}.${i}=${value.slice(i * third, (i + 1) * third)}`)
}

/** `value` with one character in the middle of its first chunk replaced. */
function altered(value: string): string {
  const at = Math.floor(value.length / 6)
  const flipped = value[at] === 'A' ? 'B' : 'A'
  return value.slice(0, at) + flipped + value.slice(at + 1)
}

/** Whether GET / with exactly `cookie` is signed in (303 to /profile) or not (303 to /login). */
async function signedIn(app: ShippedApp, cookie: string): Promise<boolean> {
  const res = await fetch(`${app.url}/`, { headers: { cookie }, redirect: 'manual' })
  await res.arrayBuffer()
  assert.equal(res.status, 303, `GET / answered ${res.status}`)
  return res.headers.get('location') === '/profile'
}

/** The sealed session cookie value of a new signed-in browser. */
async function sealedSession(app: ShippedApp, username: string): Promise<string> {
  const browser = await app.signedUp(username)
  const sealed = browser.cookies.get(NAME)
  assert.ok(sealed !== undefined && sealed.length > 30, 'the cookie carrier set its sealed cookie')
  return sealed
}

for (const store of SHIPPED_STORES) {
  describe(`duplicate chunk cookies: cookie carrier on ${store}`, () => {
    let shipped: ShippedApp | undefined
    const app = () => {
      if (shipped === undefined) throw new Error('the shipped app did not start')
      return shipped
    }
    before(async () => {
      shipped = await startShippedApp({ carrier: 'cookie', store })
    })
    after(async () => {
      await shipped?.close()
    })
    it('a chunked session with a chunk sent twice (one altered, or another session’s) is no session, in either order', async () => {
      const victim = await sealedSession(app(), 'chunk-victim')
      const attacker = await sealedSession(app(), 'chunk-attacker')
      const set = chunks(victim)
      assert.equal(await signedIn(app(), set.join('; ')), true, 'the untampered chunk set is read')

      const tampered = chunks(altered(victim))
      const other = chunks(attacker)
      const duplicated: Record<string, string[]> = {
        'an altered copy of chunk 0 after the real one': [...set, tampered[0] ?? ''],
        'an altered copy of chunk 0 before the real one': [tampered[0] ?? '', ...set],
        'another session’s chunks after the real ones': [...set, ...other],
        'another session’s chunks before the real ones': [...other, ...set],
        'another session’s chunk 1 before the real one': [
          set[0] ?? '',
          other[1] ?? '',
          ...set.slice(1),
        ],
      }
      for (const [what, cookies] of Object.entries(duplicated)) {
        assert.equal(await signedIn(app(), cookies.join('; ')), false, `${what}: no session`)
      }
      assert.equal(await signedIn(app(), set.join('; ')), true, 'the untampered set still works')
      assert.equal(await signedIn(app(), other.join('; ')), true, 'and so does the other one')
      const errors = app().logged.filter((e) => e.event === 'request.error')
      assert.deepEqual(errors, [], 'no request failed')
    })
  })
}
