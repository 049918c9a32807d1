// The login throttle's policy (BF-1, BF-2) on every backend: one table of cases run against
// memory, SQLite, Redis and PostgreSQL; then what the shared backends add (BF-4): two
// instances count the same failures, and a backend that does not answer fails closed.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { isTesseraError } from 'tessera-session'
import {
  createLoginThrottle,
  createSessionGuessThrottle,
  DEFAULT_THROTTLE_POLICY,
  memoryThrottleBackend,
  THROTTLE_TIMEOUT_MS,
  type LoginAttempt,
  type LoginThrottle,
  type SessionGuessThrottle,
  type ThrottleBackend,
  type ThrottlePolicy,
} from '../../app/throttle.js'
import { postgresThrottleBackend } from '../../app/throttle/postgres.js'
import { redisThrottleBackend } from '../../app/throttle/redis.js'
import { sqliteThrottleBackend } from '../../app/throttle/sqlite.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import {
  postgresInstances,
  redisInstances,
  withProxiedPostgres,
  withProxiedRedis,
} from '../helpers/service-instances.js'

const T0 = Date.UTC(2026, 0, 1)
const policy: ThrottlePolicy = {
  ...DEFAULT_THROTTLE_POLICY,
  freeFailures: 2,
  ipFreeFailures: 5,
  accountFreeFailures: 8,
  invalidSessionFreeFailures: 6,
  registrationFreeAttempts: 3,
}
const fromIp = (ip: string, deviceId: string | null = null): LoginAttempt => ({
  username: 'ann',
  ip,
  deviceId,
})

/**
 * Opens backend `instance` (0 or 1: separate connections or handles) on a namespace (a key
 * prefix, table or file); the same namespace through both instances is one shared state.
 */
type OpenBackend = (namespace: string, instance: 0 | 1) => ThrottleBackend

/** Throttles on one fresh namespace: `on(1)` is another instance sharing it with `on(0)`. */
type Instances = (instance?: 0 | 1) => LoginThrottle

/** The session-guessing throttle of each instance, over the same backend as `on(instance)`. */
type GuessInstances = (instance?: 0 | 1) => SessionGuessThrottle

interface Case {
  readonly name: string
  /** Only for backends shared between instances (not memory). */
  readonly sharedOnly?: boolean
  run(on: Instances, guessesOn: GuessInstances): Promise<void>
}

const CASES: readonly Case[] = [
  {
    name: 'lets the free failures through, then asks to wait a doubling delay',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.1')
      await throttle.recordFailure(a, T0)
      assert.equal(await throttle.retryAfterSeconds(a, T0), 0)
      await throttle.recordFailure(a, T0)
      assert.equal(await throttle.retryAfterSeconds(a, T0), 1)
      await throttle.recordFailure(a, T0 + 1000)
      assert.equal(await throttle.retryAfterSeconds(a, T0 + 1000), 2)
      assert.equal(await throttle.retryAfterSeconds(a, T0 + 3000), 0, 'a soft lock: it ends')
    },
  },
  {
    name: 'does not delay the same account from another IP below the account-wide limit',
    async run(on) {
      const throttle = on()
      for (let i = 0; i < 4; i++) await throttle.recordFailure(fromIp('10.0.0.1'), T0)
      assert.ok((await throttle.retryAfterSeconds(fromIp('10.0.0.1'), T0)) > 0)
      assert.equal(await throttle.retryAfterSeconds(fromIp('10.0.0.2'), T0), 0)
    },
  },
  {
    name: 'judges a trusted device only by its own failures, so a spray cannot lock it out',
    async run(on) {
      const throttle = on()
      for (let i = 0; i < 50; i++) await throttle.recordFailure(fromIp(`10.0.1.${i}`), T0)
      const other = await throttle.retryAfterSeconds(fromIp('10.0.9.9'), T0)
      assert.ok(other > 0, 'account-wide delay applies')
      assert.equal(await throttle.retryAfterSeconds(fromIp('10.0.9.9', 'device-1'), T0), 0)
    },
  },
  {
    name: 'delays a trusted device that keeps failing (a stolen device cookie is no free pass)',
    async run(on) {
      const throttle = on()
      const device = fromIp('10.0.0.1', 'device-1')
      for (let i = 0; i < 3; i++) await throttle.recordFailure(device, T0)
      assert.ok((await throttle.retryAfterSeconds(device, T0)) > 0)
    },
  },
  {
    name: 'forgets failures after the window',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.1')
      for (let i = 0; i < 10; i++) await throttle.recordFailure(a, T0)
      const later = T0 + (policy.windowSeconds + 1) * 1000
      assert.equal(await throttle.retryAfterSeconds(a, later), 0)
    },
  },
  {
    name: 'counts from one again when a failure comes after the window',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.1')
      for (let i = 0; i < 10; i++) await throttle.recordFailure(a, T0)
      const later = T0 + (policy.windowSeconds + 1) * 1000
      await throttle.recordFailure(a, later)
      assert.equal(await throttle.retryAfterSeconds(a, later), 0, 'one failure is free')
      await throttle.recordFailure(a, later)
      assert.equal(await throttle.retryAfterSeconds(a, later), 1)
    },
  },
  {
    name: 'a success forgets its account and IP, but not the IP-wide failures',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.1')
      for (let i = 0; i < 2; i++) await throttle.recordFailure(a, T0)
      assert.ok((await throttle.retryAfterSeconds(a, T0)) > 0)
      await throttle.recordSuccess(a)
      assert.equal(await throttle.retryAfterSeconds(a, T0), 0)
      for (let i = 0; i < 5; i++)
        await throttle.recordFailure({ username: `u${i}`, ip: '10.0.0.7', deviceId: null }, T0)
      await throttle.recordSuccess({ username: 'u0', ip: '10.0.0.7', deviceId: null })
      const zed = { username: 'zed', ip: '10.0.0.7', deviceId: null }
      assert.ok((await throttle.retryAfterSeconds(zed, T0)) > 0, 'the spray is still counted')
    },
  },
  {
    name: 'reserves atomically: of 40 attempts at once, exactly the free ones are granted, and only they stay counted',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.1')
      const results = await Promise.all(Array.from({ length: 40 }, () => throttle.reserve(a, T0)))
      const granted = results.filter((r) => r.granted).length
      assert.equal(granted, policy.freeFailures)
      for (const r of results) if (!r.granted) assert.ok(r.retryAfterSeconds >= 1)
      // Two failures counted: the first delay (1 s), not a longer one.
      assert.equal(await throttle.retryAfterSeconds(a, T0), 1)
    },
  },
  {
    name: 'an attempt refused while a delay runs is not counted; a granted one that succeeds is taken back',
    async run(on) {
      const throttle = on()
      const a = fromIp('10.0.0.2')
      for (let i = 0; i < 2; i++) assert.ok((await throttle.reserve(a, T0)).granted)
      for (let i = 0; i < 5; i++) {
        const early = await throttle.reserve(a, T0 + 500)
        assert.deepEqual(early, { granted: false, retryAfterSeconds: 1 })
      }
      const later = await throttle.reserve(a, T0 + 1000)
      assert.ok(later.granted, 'the early attempts did not lengthen the delay')
      await later.succeeded()
      const other = fromIp('10.0.0.3')
      for (let i = 0; i < 10; i++) {
        const r = await throttle.reserve(other, T0)
        assert.ok(r.granted, `success ${i} counted toward no limit`)
        await r.succeeded()
      }
      assert.equal(await throttle.retryAfterSeconds(other, T0), 0)
    },
  },
  {
    name: 'reserves registrations per IP: of 10 at once, exactly the free ones go ahead',
    async run(on) {
      const throttle = on()
      const waits = await Promise.all(
        Array.from({ length: 10 }, () => throttle.reserveRegistration('10.0.7.7', T0)),
      )
      assert.equal(waits.filter((w) => w === 0).length, policy.registrationFreeAttempts)
      assert.ok((await throttle.reserveRegistration('10.0.7.7', T0)) > 0)
      assert.equal(await throttle.reserveRegistration('10.0.7.8', T0), 0, 'another IP goes ahead')
    },
  },
  {
    name: 'reserves atomically across instances: 40 attempts at once through two instances grant the free ones',
    sharedOnly: true,
    async run(on) {
      const a = fromIp('10.0.0.4')
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => on(i % 2 === 0 ? 0 : 1).reserve(a, T0)),
      )
      assert.equal(results.filter((r) => r.granted).length, policy.freeFailures)
      assert.equal(await on(1).retryAfterSeconds(a, T0), 1)
    },
  },
  {
    name: 'shares failures across instances: failures through one throttle delay the next attempt through another',
    sharedOnly: true,
    async run(on) {
      const a = fromIp('10.0.0.1')
      await on(0).recordFailure(a, T0)
      await on(1).recordFailure(a, T0)
      assert.equal(await on(0).retryAfterSeconds(a, T0), 1)
      assert.equal(await on(1).retryAfterSeconds(a, T0), 1)
      await on(1).recordSuccess(a)
      assert.equal(await on(0).retryAfterSeconds(a, T0), 0, 'a success is shared too')
    },
  },
  {
    name: 'a trusted device is still not locked out by failures through other instances',
    sharedOnly: true,
    async run(on) {
      for (let i = 0; i < 50; i++) {
        await on(i % 2 === 0 ? 0 : 1).recordFailure(fromIp(`10.0.1.${i}`), T0)
        await on(0).recordFailure(fromIp('10.0.9.9'), T0) // the attacker on the owner's IP
      }
      assert.ok((await on(1).retryAfterSeconds(fromIp('10.0.9.9'), T0)) > 0)
      assert.ok((await on(1).retryAfterSeconds(fromIp('10.0.2.2'), T0)) > 0)
      assert.equal(await on(1).retryAfterSeconds(fromIp('10.0.9.9', 'device-1'), T0), 0)
    },
  },
  {
    name: 'slows an IP past its free refused session cookies with a doubling delay, and only that IP (BF-3)',
    async run(_on, guessesOn) {
      const guesses = guessesOn()
      for (let i = 0; i < policy.invalidSessionFreeFailures - 1; i++) {
        assert.equal(await guesses.recordRefusal('10.0.5.5', T0), 0)
      }
      assert.equal(guesses.blockedSeconds('10.0.5.5', T0), 0, 'within the free refusals')
      assert.equal(await guesses.recordRefusal('10.0.5.5', T0), 1)
      assert.equal(guesses.blockedSeconds('10.0.5.5', T0), 1)
      assert.equal(await guesses.recordRefusal('10.0.5.5', T0 + 1000), 2)
      assert.equal(guesses.blockedSeconds('10.0.5.5', T0 + 2000), 1)
      assert.equal(guesses.blockedSeconds('10.0.5.5', T0 + 3000), 0, 'a soft block: it ends')
      assert.equal(guesses.blockedSeconds('10.0.5.6', T0), 0, 'another IP is not slowed')
      assert.equal(await guesses.recordRefusal('10.0.5.6', T0), 0)
    },
  },
  {
    name: 'counts refused session cookies from every instance toward one limit (BF-3, BF-4)',
    sharedOnly: true,
    async run(_on, guessesOn) {
      for (let i = 0; i < policy.invalidSessionFreeFailures - 1; i++) {
        assert.equal(await guessesOn(i % 2 === 0 ? 0 : 1).recordRefusal('10.0.6.6', T0), 0)
      }
      assert.ok((await guessesOn(1).recordRefusal('10.0.6.6', T0)) > 0)
      assert.ok(guessesOn(1).blockedSeconds('10.0.6.6', T0) > 0)
      // The other instance blocks at its own next refusal from that IP.
      assert.ok((await guessesOn(0).recordRefusal('10.0.6.6', T0)) > 0)
      assert.ok(guessesOn(0).blockedSeconds('10.0.6.6', T0) > 0)
    },
  },
]

/** Registers every case for one backend, each case on a fresh namespace. */
function describeCases(shared: boolean, open: OpenBackend, close: () => Promise<void>) {
  const backends: ThrottleBackend[] = []
  after(async () => {
    for (const backend of backends) await backend.close()
    await close()
  })
  for (const c of CASES) {
    if (c.sharedOnly === true && !shared) continue
    it(c.name, async () => {
      const namespace = uniqueName('throttle')
      const opened = new Map<0 | 1, ThrottleBackend>()
      const backendOf = (instance: 0 | 1) => {
        let backend = opened.get(instance)
        if (backend === undefined) {
          backend = open(namespace, instance)
          backends.push(backend)
          opened.set(instance, backend)
        }
        return backend
      }
      const throttles = new Map<0 | 1, LoginThrottle>()
      const guesses = new Map<0 | 1, SessionGuessThrottle>()
      const on: Instances = (instance = 0) => {
        if (!throttles.has(instance)) {
          throttles.set(instance, createLoginThrottle(policy, backendOf(instance)))
        }
        return throttles.get(instance)!
      }
      const guessesOn: GuessInstances = (instance = 0) => {
        if (!guesses.has(instance)) {
          guesses.set(instance, createSessionGuessThrottle(policy, backendOf(instance)))
        }
        return guesses.get(instance)!
      }
      await c.run(on, guessesOn)
    })
  }
}

/**
 * Checks that every call of `throttle` fails with ERR_STORE_UNAVAILABLE, naming no user, once
 * `cut()` has taken its service away (after one call that still works).
 */
async function checkFailsClosed(throttle: LoginThrottle, cut?: () => Promise<void>) {
  const a = { username: 'secret-username', ip: '10.0.0.1', deviceId: null }
  if (cut !== undefined) {
    assert.equal(await throttle.retryAfterSeconds(a, T0), 0, 'works before the outage')
    await cut()
  }
  for (const call of [
    () => throttle.retryAfterSeconds(a, T0),
    () => throttle.recordFailure(a, T0),
    () => throttle.recordSuccess(a),
    () => throttle.reserve(a, T0),
    () => throttle.reserveRegistration(a.ip, T0),
  ]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
      assert.doesNotMatch(err.message, /secret-username/)
      return true
    })
  }
}

describe('login throttle on memory', () => {
  describeCases(
    false,
    () => memoryThrottleBackend(policy),
    async () => {},
  )

  it('keeps at most maxEntries buckets', async () => {
    const throttle = createLoginThrottle({ ...policy, maxEntries: 10, freeFailures: 1 })
    for (let i = 0; i < 100; i++)
      await throttle.recordFailure({ username: `u${i}`, ip: `ip${i}`, deviceId: null }, T0)
    // The first user's buckets were evicted: no delay remembered for them.
    const first = await throttle.retryAfterSeconds(
      { username: 'u0', ip: 'ip0', deviceId: null },
      T0,
    )
    assert.equal(first, 0)
    const last = { username: 'u99', ip: 'ip99', deviceId: null }
    assert.ok((await throttle.retryAfterSeconds(last, T0)) > 0)
  })

  it('fails closed with ERR_STORE_UNAVAILABLE when its backend throws or hangs', async () => {
    const broken = (call: () => Promise<never>): ThrottleBackend => ({
      read: call,
      addFailure: call,
      takeBack: call,
      forget: call,
      close: async () => {},
    })
    const refused = async (): Promise<never> => {
      throw new Error('connection refused')
    }
    await checkFailsClosed(createLoginThrottle(policy, broken(refused)))
    await checkFailsClosed(
      createLoginThrottle(
        policy,
        broken(() => new Promise(() => {})),
      ),
    )
  })
})

describe('login throttle on SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-throttle-'))
  describeCases(
    true,
    (namespace) => sqliteThrottleBackend(path.join(dir, `${namespace}.db`), policy),
    async () => rmSync(dir, { recursive: true, force: true }),
  )
})

describe('login throttle on Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  const { clients, close } = redisInstances(url)
  describeCases(
    true,
    (namespace, instance) => redisThrottleBackend(clients[instance], `${namespace}:`, policy),
    close,
  )

  it('fails closed with ERR_STORE_UNAVAILABLE when Redis goes away', async () => {
    await withProxiedRedis(url, async (client, proxy) => {
      const bounded = client.withCommandOptions({ timeout: THROTTLE_TIMEOUT_MS })
      const backend = redisThrottleBackend(bounded, `${uniqueName('throttle')}:`, policy)
      await checkFailsClosed(createLoginThrottle(policy, backend), () => proxy.cut())
    })
  })
})

describe('login throttle on PostgreSQL', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const pg = postgresInstances(url)
  describeCases(
    true,
    (namespace, instance) =>
      postgresThrottleBackend(pg.pool(instance), pg.track(namespace), policy),
    pg.close,
  )

  it('creates its table once even when two instances start together', async () => {
    const table = pg.table('throttle')
    const backends = [0, 1, 0, 1].map((i) =>
      postgresThrottleBackend(pg.pool(i === 0 ? 0 : 1), table, policy),
    )
    await Promise.all(backends.map((b) => b.addFailure(['k'], T0)))
    const [bucket] = await backends[0]!.read(['k'], T0)
    assert.equal(bucket?.failures, 4)
  })

  it('fails closed with ERR_STORE_UNAVAILABLE when PostgreSQL goes away', async () => {
    await withProxiedPostgres(url, async (pool, proxy) => {
      const backend = postgresThrottleBackend(pool, pg.table('throttle'), policy)
      await checkFailsClosed(createLoginThrottle(policy, backend), () => proxy.cut())
    })
  })
})
