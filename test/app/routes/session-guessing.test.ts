// Session-id guessing through the app (BF-3): a client that keeps sending session cookies the
// app never issued is answered 429 with Retry-After once past the free refusals, while its
// requests without cookies, and other clients, go on as before.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_THROTTLE_POLICY } from '../../../app/throttle.js'
import { forgedSessionCookie as forged, SHIPPED_CARRIERS } from '../../helpers/shipped-app.js'
import { startTestApp } from '../../helpers/test-app.js'

const FREE = 3
const CARRIERS = SHIPPED_CARRIERS

describe('session-id guessing (BF-3)', () => {
  for (const carrier of CARRIERS) {
    it(`${carrier} carrier: refused cookies past the free ones get 429 with Retry-After`, async () => {
      const logged: Readonly<Record<string, unknown>>[] = []
      const app = await startTestApp(
        { carrier },
        {
          throttlePolicy: { ...DEFAULT_THROTTLE_POLICY, invalidSessionFreeFailures: FREE },
          log: (e) => logged.push(e),
        },
      )
      try {
        const statuses: number[] = []
        let retryAfter: string | null = null
        for (let i = 0; i < FREE + 3 && retryAfter === null; i++) {
          const res = await fetch(`${app.url}/profile`, {
            headers: { cookie: forged(carrier) },
            redirect: 'manual',
          })
          statuses.push(res.status)
          if (res.status === 429) retryAfter = res.headers.get('retry-after')
          await res.arrayBuffer()
        }
        assert.ok(statuses.length > FREE, `slowed only past ${FREE} refusals: ${statuses.join()}`)
        assert.ok(Number(retryAfter) >= 1, `429 with Retry-After (${statuses.join()})`)
        assert.ok(
          statuses.slice(0, FREE).every((s) => s === 303 || s === 302),
          'the free refusals are served as signed out',
        )
        const plain = await fetch(`${app.url}/login`)
        assert.equal(plain.status, 200, 'a request without cookies still goes through')
        await plain.arrayBuffer()
        const health = await fetch(`${app.url}/healthz`, { headers: { cookie: forged(carrier) } })
        assert.equal(health.status, 200, 'health checks are never slowed')
        await health.arrayBuffer()
        const events = logged.filter((e) => e.event === 'session.guessing')
        assert.ok(events.length >= 1)
        assert.equal(events[0]!.ip, '127.0.0.1')
        assert.doesNotMatch(JSON.stringify(logged), /tessera=/, 'no cookie value in the log')
      } finally {
        await app.close()
      }
    })
  }

  it('requests without cookies are never counted or slowed', async () => {
    const app = await startTestApp(
      {},
      { throttlePolicy: { ...DEFAULT_THROTTLE_POLICY, invalidSessionFreeFailures: 1 } },
    )
    try {
      // No cookie at all, many times: nothing is refused, so nothing is slowed.
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${app.url}/profile`, { redirect: 'manual' })
        assert.notEqual(res.status, 429)
        await res.arrayBuffer()
      }
    } finally {
      await app.close()
    }
  })
})
