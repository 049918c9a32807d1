// One round trip per store operation on Redis (single node) and PostgreSQL: each operation of a
// request's path, after a warm-up, through a client that counts what the store sends. Counts,
// not timings. Also the fallbacks that keep a single round trip correct: a server that lost its
// scripts (NOSCRIPT), a cluster the client did not reveal (CROSSSLOT), and ids that need
// percent-encoding in the keys a script builds itself.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis.js'
import type { Store } from '../../src/stores/store.js'
import { refreshTokenRecord, sessionRecord } from '../../src/testing/fixtures.js'
import { createRedisClient, type RedisClient } from '../helpers/redis-client.js'
import {
  countingPool,
  countingRedis,
  storeOperations,
  tripsOf,
  type TripCounter,
} from '../helpers/round-trips.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'

/** Asserts one round trip for each operation after a warm-up; returns every command sent. */
async function assertOneTripEach(store: Store, counter: TripCounter): Promise<string[]> {
  await store.ready?.()
  for (const [, op] of storeOperations(store)) await op() // warm-up: scripts, statements
  const sent: string[] = []
  for (const [name, op] of storeOperations(store)) {
    const { roundTrips, commands } = await tripsOf(counter, op)
    assert.equal(roundTrips, 1, `${name}: ${roundTrips} round trips (${commands.join(', ')})`)
    sent.push(...commands)
  }
  return sent
}

describe('redis store: one round trip per operation (single node)', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  let shared: Promise<RedisClient> | undefined
  const client = () =>
    (shared ??= (async () => {
      const c = createRedisClient({ url })
      c.on('error', () => {})
      await c.connect()
      return c
    })())
  const prefixes: string[] = []
  const prefix = () => {
    const p = `${uniqueName('trips')}:`
    prefixes.push(p)
    return p
  }
  after(async () => {
    if (shared === undefined) return
    const c = await shared
    for (const p of prefixes) {
      for await (const keys of c.scanIterator({ MATCH: `${p}*` })) {
        if (keys.length > 0) await c.del(keys)
      }
    }
    c.destroy()
  })

  it('get, create, replace, touch, delete, and a refresh token’s insert and use: one each, scripts by SHA1', async () => {
    const counted = countingRedis(await client())
    const sent = await assertOneTripEach(
      createRedisStore({ client: counted.client, prefix: prefix() }),
      counted.counter,
    )
    assert.deepEqual([...new Set(sent)].sort(), ['evalsha', 'hmget'], 'no script sent whole')
  })

  it('sends a script whole again when the server lost it (NOSCRIPT), and by SHA1 after', async () => {
    let lose = false
    const real = await client()
    const forgetful: RedisClientLike = new Proxy(real, {
      get(t, property, receiver) {
        const value: unknown = Reflect.get(t, property, receiver)
        if (property === 'withCommandOptions') return () => forgetful
        if (property === 'evalSha' && lose) {
          return async () => {
            lose = false
            throw new Error('NOSCRIPT No matching script. Please use EVAL.')
          }
        }
        return typeof value === 'function' ? value.bind(t) : value
      },
    })
    const counted = countingRedis(forgetful)
    const store = createRedisStore({ client: counted.client, prefix: prefix() })
    const record = sessionRecord()
    await store.sessions.create(record)
    // The first use sends the script whole and learns its SHA1 alongside; wait until it is used.
    let learnt: string[] = []
    for (let i = 0; i < 20 && learnt[0] !== 'evalsha'; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      learnt = (
        await tripsOf(counted.counter, () =>
          store.sessions.touch(record.idHash, record.lastSeenAt + 1, record.expiresAt + 1),
        )
      ).commands
    }
    assert.deepEqual(learnt, ['evalsha'])
    lose = true // as after a restart, a failover or SCRIPT FLUSH
    const lost = await tripsOf(counted.counter, () =>
      store.sessions.touch(record.idHash, record.lastSeenAt + 2, record.expiresAt + 2),
    )
    assert.deepEqual(lost.commands, ['evalsha', 'eval'])
    assert.equal((await store.sessions.get(record.idHash))?.expiresAt, record.expiresAt + 2)
    const again = await tripsOf(counted.counter, () =>
      store.sessions.touch(record.idHash, record.lastSeenAt + 3, record.expiresAt + 3),
    )
    assert.deepEqual(again.commands, ['evalsha'])
  })

  it('falls back to two steps for good when a two-slot script is refused as cross-slot', async () => {
    const real = await client()
    const clusterLike: RedisClientLike = new Proxy(real, {
      get(t, property, receiver) {
        const value: unknown = Reflect.get(t, property, receiver)
        if (property === 'withCommandOptions') return () => clusterLike
        if (property === 'eval' || property === 'evalSha') {
          return async (script: string, options: { keys: string[] }) => {
            const keys = options.keys
            const slots = new Set(keys.map((k) => /\{[^}]*\}/.exec(k)?.[0]))
            if (slots.size > 1)
              throw new Error("CROSSSLOT Keys in request don't hash to the same slot")
            return (value as (...a: unknown[]) => Promise<unknown>).call(t, script, options)
          }
        }
        return typeof value === 'function' ? value.bind(t) : value
      },
    })
    const counted = countingRedis(clusterLike)
    const store = createRedisStore({ client: counted.client, prefix: prefix() })
    const [first, second] = [sessionRecord({ userId: 'x' }), sessionRecord({ userId: 'x' })]
    await store.sessions.create(first) // refused as one script, then done in two
    const split = await tripsOf(counted.counter, () => store.sessions.create(second))
    assert.equal(split.roundTrips, 2, 'two steps from then on, without trying the one first')
    const listed = (await store.sessions.listByUser('x')).map((r) => r.idHash).sort()
    assert.deepEqual(listed, [first.idHash, second.idHash].sort())
  })

  it('builds the index and family keys of ids that need percent-encoding as the client does', async () => {
    const p = prefix()
    const c = await client()
    const store = createRedisStore({ client: c, prefix: p })
    const userId = 'é {x}/ü 😀%'
    const record = sessionRecord({ userId })
    await store.sessions.create(record)
    const indexKey = `${p}{u:${encodeURIComponent(userId)}}`
    assert.notEqual(await c.zScore(indexKey, record.idHash), null, 'indexed under the client’s key')
    await store.sessions.delete(record.idHash)
    assert.equal(await c.zScore(indexKey, record.idHash), null, 'and removed from it by the script')
    assert.deepEqual(await store.sessions.listByUser(userId), [])

    const token = refreshTokenRecord({ familyId: 'fam é{}/😀%', userId })
    await store.refreshTokens.insert(token)
    const used = await store.refreshTokens.use(token.idHash, Date.now())
    assert.deepEqual(used, token, 'the script found the token under its family’s key')
    assert.notEqual((await store.refreshTokens.use(token.idHash, Date.now()))?.usedAt, null)
    assert.equal(await store.refreshTokens.revokeFamily(token.familyId, Date.now()), 1)
  })
})

describe('postgres store: one round trip per operation', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  const schema = uniqueName('trips')
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  })

  it('get, create, replace, touch, delete, and a refresh token’s insert and use: one query each', async () => {
    await pool.query(`CREATE SCHEMA "${schema}"`)
    const counted = countingPool(pool)
    const store = createPostgresStore({ pool: counted.pool, schema, sweepIntervalSeconds: 0 })
    await assertOneTripEach(store, counted.counter)
  })
})
