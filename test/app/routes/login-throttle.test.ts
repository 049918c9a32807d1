// The sign-in throttle through the app: it fails closed when its backend is down, and two app
// servers on one Redis share it (BF-4).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_THROTTLE_POLICY, type ThrottleBackend } from '../../../app/throttle.js'
import { appWithLog, assertFailedClosed, refused, SECRET_USER } from '../../helpers/outage.js'
import { serviceUrl, uniqueName } from '../../helpers/services.js'
import { startTestApp } from '../../helpers/test-app.js'
import { WebClient } from '../../helpers/web-client.js'

const PASSWORD = 'correct horse battery'

describe('POST /login when the throttle backend is down', () => {
  const backend: ThrottleBackend = {
    read: refused,
    addFailure: refused,
    takeBack: refused,
    forget: refused,
    close: async () => {},
  }
  const app = appWithLog({ throttleBackend: backend })

  it('fails closed with 503, no stack trace and no username in the page or the log', async () => {
    const res = await new WebClient(app.url()).submit('/login', '/login', {
      username: SECRET_USER,
      password: PASSWORD,
    })
    assertFailedClosed(res, app.logged)
  })
})

describe('two app servers on one Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  // The IP-wide and account-wide limits are out of reach: the IP bucket (127.0.0.1) is shared
  // with other suites on the same Redis, and only the account+IP bucket is under test here.
  const throttlePolicy = {
    ...DEFAULT_THROTTLE_POLICY,
    freeFailures: 3,
    baseDelaySeconds: 60,
    ipFreeFailures: 1_000_000,
    accountFreeFailures: 1_000_000,
    registrationFreeAttempts: 1_000_000,
  }
  const username = uniqueName('user')
  let a: Awaited<ReturnType<typeof startTestApp>>
  let b: Awaited<ReturnType<typeof startTestApp>>
  before(async () => {
    // Each with its own data dir, as on two machines: the accounts are in Redis too.
    a = await startTestApp({ store: 'redis', redisUrl: url }, { throttlePolicy })
    b = await startTestApp({ store: 'redis', redisUrl: url }, { throttlePolicy })
  })
  after(async () => {
    await a.close()
    await b.close()
  })

  it('shares failures across instances: failed logins on A make B answer 429 with Retry-After', async () => {
    const registered = await new WebClient(a.url).submit('/register', '/register', {
      username,
      password: PASSWORD,
    })
    assert.equal(registered.status, 303)
    const attacker = new WebClient(a.url)
    for (let i = 0; i < 3; i++) {
      const res = await attacker.submit('/login', '/login', { username, password: `guess ${i}` })
      assert.equal(res.status, 401)
    }
    const res = await new WebClient(b.url).submit('/login', '/login', {
      username,
      password: PASSWORD,
    })
    assert.equal(res.status, 429)
    assert.ok(Number(res.headers.get('retry-after')) >= 1)
  })
})
