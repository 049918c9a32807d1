// Attack suite: what a read-only dump of the store gives a thief, on every store (the SQLite
// file's bytes, the Redis keys and values, the PostgreSQL rows, everything a store was given):
// never a live session id, refresh token or cookie (docs/security-requirements.md: SID-4, RT-1).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachVariant } from '../helpers/attack-matrix.js'
import { form, type Client } from '../helpers/http.js'

forEachVariant(
  'attack: no secrets in the store',
  (app, variant) => {
    it('a dump of the store holds no raw session id, refresh token or cookie value (SID-4)', async () => {
      const seen = new Set<string>()
      const remember = (c: Client) => {
        for (const value of c.jar.values()) seen.add(value)
      }
      const browsers = [await app().signedIn('dumped-user'), await app().signedIn('dumped-user')]
      for (const b of browsers) {
        remember(b)
        await b.request('/assign', form({ key: 'a', value: 'visible data' }))
        await b.request('/count')
        remember(b)
      }
      if (variant.carrier === 'token') {
        app().clock.advanceSeconds(620) // every access token expires: each browser refreshes
        for (const b of browsers) {
          assert.equal((await b.request('/profile')).status, 200)
          remember(b)
        }
      }
      const dump = await app().backing!.dump()
      assert.ok(dump.includes('dumped-user'), 'the dump holds the sessions (the test can fail)')
      const leaked = [...seen].filter((value) => value.length >= 20 && dump.includes(value))
      assert.deepEqual(leaked, [], 'no cookie value the browsers hold is in the store')
    })
  },
  { only: (v) => v.store !== null },
)
