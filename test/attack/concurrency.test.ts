// Attack suite: concurrent writes to one session over real HTTP, on every store, for the carriers
// that keep the session server-side (docs/security-requirements.md: CO-5; the cookie carrier is
// last-response-wins by design, CO-6, documented in docs/carriers.md).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachVariant } from '../helpers/attack-matrix.js'

const CONCURRENT = 50

forEachVariant(
  'attack: concurrency',
  (app) => {
    it(`${CONCURRENT} concurrent update() increments on one session end at exactly ${CONCURRENT} (CO-5)`, async () => {
      const browser = await app().signedIn('concurrent')
      const cookie = browser.cookieHeader()!
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, () =>
          fetch(`${app().server.url}/count`, { headers: { cookie } }).then(async (r) => ({
            status: r.status,
            count: Number(await r.text()),
          })),
        ),
      )
      assert.deepEqual(
        answers.filter((a) => a.status !== 200),
        [],
      )
      const counts = answers.map((a) => a.count).sort((a, b) => a - b)
      assert.deepEqual(
        counts,
        Array.from({ length: CONCURRENT }, (_, i) => i + 1),
        'each saw its own increment',
      )
      const final = JSON.parse((await browser.request('/peek')).text) as { count: number }
      assert.equal(final.count, CONCURRENT)
    })
  },
  { only: (v) => v.carrier !== 'cookie' },
)
