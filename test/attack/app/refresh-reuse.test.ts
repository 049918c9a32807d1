// Refresh-token reuse on the shipped app (token carrier), with ten truly concurrent requests that
// all carry one refresh token and nothing else, so each of them renews the session inside the
// middleware. Inside the grace window every one of them gets the one successor the first use
// issued (no fork into ten live chains); at the window's end every reuse is refused, the family
// dies, and the legitimate successor with it. The app's clock seam is frozen and moved by hand, so
// "at the window's end" is the exact boundary (a use `graceSeconds` after the first use is a
// reuse) however fast the machine runs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fakeClock, type FakeClock } from '../../../src/testing/fake-clock.js'
import { SHIPPED_STORES, startShippedApp, type ShippedApp } from '../../helpers/shipped-app.js'

const CONCURRENT = 10
/** The token carrier's default `refreshGraceSeconds`, which the app keeps. */
const GRACE_SECONDS = 5
const ACCESS = 'tessera'
const REFRESH = 'tessera-refresh'

interface Visit {
  readonly status: number
  readonly location: string | null
  /** The cookies the response set, by name (the last value of each). */
  readonly set: ReadonlyMap<string, string>
}

/** GET / with exactly `cookie`: signed in answers 303 to /profile, anyone else 303 to /login. */
async function visit(app: ShippedApp, cookie: string): Promise<Visit> {
  const res = await fetch(`${app.url}/`, { headers: { cookie }, redirect: 'manual' })
  await res.arrayBuffer()
  const set = new Map<string, string>()
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? ''
    const eq = pair.indexOf('=')
    set.set(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return { status: res.status, location: res.headers.get('location'), set }
}

function signedIn(v: Visit): boolean {
  return v.status === 303 && v.location === '/profile'
}

/** The refresh token a signed-in browser holds. */
async function refreshTokenOf(app: ShippedApp, username: string): Promise<string> {
  const browser = await app.signedUp(username)
  const token = browser.cookies.get(REFRESH)
  assert.ok(token !== undefined && token !== '', 'the token carrier set a refresh cookie')
  return token
}

for (const store of SHIPPED_STORES) {
  describe(`refresh-token reuse, ${CONCURRENT} concurrent requests: token carrier on ${store}`, () => {
    let app: ShippedApp | undefined
    let clock: FakeClock
    const shipped = () => {
      if (app === undefined) throw new Error('the shipped app did not start')
      return app
    }
    before(async () => {
      clock = fakeClock(Date.now())
      app = await startShippedApp({ carrier: 'token', store, seams: { clock } })
    })
    after(async () => {
      await app?.close()
    })

    it('inside the grace window: all succeed with one and the same successor, which then works', async () => {
      const token = await refreshTokenOf(shipped(), 'grace-inside')
      const visits = await Promise.all(
        Array.from({ length: CONCURRENT }, () => visit(shipped(), `${REFRESH}=${token}`)),
      )
      assert.deepEqual(
        visits.map(signedIn),
        Array.from({ length: CONCURRENT }, () => true),
        'every concurrent use inside the grace window renews the session',
      )
      const successors = new Set(visits.map((v) => v.set.get(REFRESH)))
      assert.equal(successors.size, 1, 'one successor for all of them: the family did not fork')
      const [successor] = successors
      assert.ok(successor !== undefined && successor !== '' && successor !== token)

      // Still inside the window's clock: the family is alive and its one successor rotates on.
      const next = await visit(shipped(), `${REFRESH}=${successor}`)
      assert.ok(signedIn(next), 'the successor renews the session')
      const third = next.set.get(REFRESH)
      assert.ok(third !== undefined && third !== successor, 'and rotates to the next token')
      assert.ok(signedIn(await visit(shipped(), `${REFRESH}=${third}`)), 'the chain goes on')
    })

    it('at the end of the grace window: every reuse is refused, the family dies, the successor too', async () => {
      const token = await refreshTokenOf(shipped(), 'grace-outside')
      const first = await visit(shipped(), `${REFRESH}=${token}`)
      assert.ok(signedIn(first), 'the legitimate first use renews the session')
      const successor = first.set.get(REFRESH)
      const access = first.set.get(ACCESS)
      assert.ok(successor !== undefined && access !== undefined)

      clock.advanceSeconds(GRACE_SECONDS) // exactly the window: from here on a use is a reuse
      const reuses = await Promise.all(
        Array.from({ length: CONCURRENT }, () => visit(shipped(), `${REFRESH}=${token}`)),
      )
      for (const reuse of reuses) {
        assert.equal(reuse.status, 303, 'a refused token is no session, never a 500')
        assert.equal(reuse.location, '/login', 'every reuse is refused')
        assert.notEqual(reuse.set.get(REFRESH)?.length, 43, 'and gets no refresh token')
      }
      const later = await visit(shipped(), `${REFRESH}=${successor}`)
      assert.equal(later.location, '/login', 'the legitimate successor died with its family')
      const stale = await visit(shipped(), `${ACCESS}=${access}`)
      assert.equal(stale.location, '/login', 'and so did the access token issued with it')
      const logged = shipped().logged.map((e) => e.event)
      assert.equal(logged.includes('request.error'), false, 'no request failed')
    })
  })
}
