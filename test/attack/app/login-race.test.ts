// Parallel password guesses against the shipped app: 40 wrong passwords at once, from one
// address at one account, on the sign-in form and on the password check before ending other
// sessions. Each attempt is counted before its password is checked, atomically in the
// throttle's store, so only the free attempts reach scrypt, whatever arrives at the same moment;
// once they are used, the right password in the next burst is refused like the wrong ones.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DEFAULT_THROTTLE_POLICY } from '../../../app/throttle.js'
import {
  countingKdf,
  SHIPPED_CARRIERS,
  SHIPPED_PASSWORD,
  SHIPPED_STORES,
  startShippedApp,
  type ShippedApp,
} from '../../helpers/shipped-app.js'
import { csrfTokenOf, type Page } from '../../helpers/web-client.js'

const FREE = DEFAULT_THROTTLE_POLICY.freeFailures
const GUESSES = 40
// The shipped limits, with a first delay longer than any test run: a slow machine cannot let a
// late request in because the delay has passed, so every count below is exact.
const throttlePolicy = { ...DEFAULT_THROTTLE_POLICY, baseDelaySeconds: 3600 }

function tally(pages: readonly Page[]) {
  const by = (status: number) => pages.filter((p) => p.status === status).length
  return { checked: pages.length - by(429), throttled: by(429) }
}

async function withApp(
  carrier: (typeof SHIPPED_CARRIERS)[number],
  store: (typeof SHIPPED_STORES)[number],
  run: (app: ShippedApp, kdf: ReturnType<typeof countingKdf>) => Promise<void>,
) {
  const kdf = countingKdf()
  const app = await startShippedApp({
    carrier,
    store,
    seams: { ...kdf.seam, throttlePolicy, recentAuthSeconds: 0 },
  })
  try {
    await run(app, kdf)
  } finally {
    await app.close()
  }
}

for (const store of SHIPPED_STORES) {
  for (const carrier of SHIPPED_CARRIERS) {
    it(`${carrier} carrier on ${store}: ${GUESSES} parallel sign-in guesses check at most ${FREE} passwords; then the right one is refused too`, async () => {
      await withApp(carrier, store, async (app, kdf) => {
        const username = `race-${carrier}`
        await app.signedUp(username)
        const attacker = app.client()
        const token = csrfTokenOf((await attacker.get('/login')).body)
        const guess = (password: string) =>
          attacker.post('/login', { _csrf: token, username, password })

        const first = await kdf.burst(GUESSES, (i) => guess(`wrong ${i}`))
        assert.ok(first.checks <= FREE, `scrypt ran ${first.checks} times for ${GUESSES} guesses`)
        assert.deepEqual(tally(first.pages), {
          checked: first.checks,
          throttled: GUESSES - first.checks,
        })

        const second = await kdf.burst(GUESSES + 1, (i) =>
          guess(i === GUESSES ? SHIPPED_PASSWORD : `again ${i}`),
        )
        assert.equal(second.checks, 0, 'no password was checked once the limit was used')
        assert.deepEqual(tally(second.pages), { checked: 0, throttled: GUESSES + 1 })
        assert.equal(second.pages[GUESSES]!.location, null, 'the right password did not sign in')
      })
    })

    it(`${carrier} carrier on ${store}: ${GUESSES} parallel password checks before ending other sessions check at most ${FREE}`, async () => {
      await withApp(carrier, store, async (app, kdf) => {
        const username = `reauth-${carrier}`
        const owner = await app.signedUp(username)
        // The thief holds a copy of the owner's session (recentAuthSeconds 0: the password is
        // asked for at once) and tries to end the owner's other sessions.
        const thief = app.client()
        for (const [name, value] of owner.cookies) thief.cookies.set(name, value)
        const other = await app.signedIn(username) // a second device of the owner's
        const token = csrfTokenOf((await thief.get('/sessions')).body)
        const end = (password: string) =>
          thief.post('/sessions/logout-others', { _csrf: token, password })

        const first = await kdf.burst(GUESSES, (i) => end(`wrong ${i}`))
        assert.ok(first.checks <= FREE, `scrypt ran ${first.checks} times for ${GUESSES} guesses`)

        const second = await kdf.burst(GUESSES + 1, (i) =>
          end(i === GUESSES ? SHIPPED_PASSWORD : `again ${i}`),
        )
        assert.equal(second.checks, 0, 'no password was checked once the limit was used')
        assert.notEqual(second.pages[GUESSES]!.location, '/sessions?done=others')
        assert.equal((await other.get('/profile')).status, 200, "the owner's other device stays")
      })
    })
  }
}
