// Registration on the shipped app: it must not tell which names exist (the same answer, and the
// same password hashing, for a taken name and a new one), and it is throttled per address like
// sign-in, since every attempt costs a scrypt hash (128 MiB at the shipped cost).
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

const FREE = DEFAULT_THROTTLE_POLICY.registrationFreeAttempts

/** What a response shows a client, without what differs on every request (ids, tokens). */
function shape(page: Page) {
  return {
    status: page.status,
    location: page.location,
    cookies: page.headers
      .getSetCookie()
      .map((line) => line.replace(/=[^;]*/, '=…'))
      .sort(),
    body: page.body.replace(/value="[^"]*"/g, 'value="…"'),
  }
}

async function register(app: ShippedApp, username: string, password: string) {
  return app.client().submit('/register', '/register', { username, password })
}

for (const store of SHIPPED_STORES) {
  for (const carrier of SHIPPED_CARRIERS) {
    it(`${carrier} carrier on ${store}: a taken name and a new one get the same answer and one password hash each`, async () => {
      const kdf = countingKdf()
      const app = await startShippedApp({ carrier, store, seams: kdf.seam })
      try {
        await app.signedUp('taken')
        let before = kdf.calls()
        const taken = await register(app, 'taken', 'the attacker password')
        const takenHashes = kdf.calls() - before
        before = kdf.calls()
        const fresh = await register(app, 'fresh', 'the attacker password')
        const freshHashes = kdf.calls() - before
        assert.deepEqual(shape(taken), shape(fresh))
        assert.equal(takenHashes, 1, 'a taken name is hashed like a new one')
        assert.equal(freshHashes, 1)
        // What happened is only seen by signing in: the owner's password still opens "taken".
        await app.signedIn('taken', SHIPPED_PASSWORD)
        await app.signedIn('fresh', 'the attacker password')
        const wrong = await app.client().submit('/login', '/login', {
          username: 'taken',
          password: 'the attacker password',
        })
        assert.equal(wrong.status, 401, 'registering a taken name changed nothing')
      } finally {
        await app.close()
      }
    })

    it(`${carrier} carrier on ${store}: registrations from one address past ${FREE} get 429`, async () => {
      const kdf = countingKdf()
      // The shipped limit, with a first delay longer than the test (see login-race.test.ts).
      const throttlePolicy = { ...DEFAULT_THROTTLE_POLICY, baseDelaySeconds: 3600 }
      const app = await startShippedApp({ carrier, store, seams: { ...kdf.seam, throttlePolicy } })
      try {
        const browser = app.client()
        const token = csrfTokenOf((await browser.get('/register')).body)
        const { pages, checks } = await kdf.burst(FREE + 10, (i) =>
          browser.post('/register', {
            _csrf: token,
            username: `flood-${i}`,
            password: 'p4ssword!',
          }),
        )
        const throttled = pages.filter((p) => p.status === 429)
        assert.equal(pages.length - throttled.length, FREE, 'the free registrations went through')
        assert.equal(checks, FREE, 'no scrypt for a throttled registration')
        assert.ok(Number(throttled[0]?.headers.get('retry-after')) >= 1)
        const later = await register(app, 'later', SHIPPED_PASSWORD)
        assert.equal(later.status, 429, 'the address is still slowed down')
      } finally {
        await app.close()
      }
    })
  }
}
