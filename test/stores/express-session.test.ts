import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { RedisStore } from 'connect-redis'
import session from 'express-session'
import { isTesseraError } from '../../src/errors.js'
import {
  createExpressSessionAdapter,
  type ExpressSessionStoreLike,
} from '../../src/stores/express-session.js'
import { sessionRecord } from '../../src/testing/fixtures.js'
import { testStore } from '../../src/testing/store-conformance.js'
import { createRedisClient, type RedisClient } from '../helpers/redis-client.js'
import { serviceSkip, serviceUrl } from '../helpers/services.js'

testStore('express-session MemoryStore', () =>
  createExpressSessionAdapter({ store: new session.MemoryStore() }),
)

// connect-redis on the shared Redis: each store gets its own connect-redis prefix, and its keys
// are deleted afterwards.
const url = process.env.REDIS_URL
let shared: Promise<RedisClient> | undefined
const client = () =>
  (shared ??= (async () => {
    const c = createRedisClient({ url: url! })
    c.on('error', () => {})
    await c.connect()
    return c
  })())
after(async () => {
  if (shared !== undefined) (await shared).destroy()
})

testStore(
  'express-session connect-redis',
  async (namespace) =>
    createExpressSessionAdapter({
      store: new RedisStore({ client: await client(), prefix: `${namespace}:` }),
    }),
  {
    skip: serviceSkip('REDIS_URL'),
    cleanup: async (_store, namespace) => {
      const c = await client()
      for await (const keys of c.scanIterator({ MATCH: `${namespace}:*`, COUNT: 500 })) {
        if (keys.length > 0) await c.del(keys)
      }
    },
  },
)

describe('createExpressSessionAdapter', () => {
  it('writes values that express-session stores expire by cookie.expires', async () => {
    const memory = new session.MemoryStore()
    const store = createExpressSessionAdapter({ store: memory })
    const record = sessionRecord({ expiresAt: Date.now() + 60_000 })
    await store.sessions.create(record)
    const raw = await new Promise<unknown>((resolve, reject) =>
      memory.get(`tessera:s:${record.idHash}`, (err, value) =>
        err ? reject(err) : resolve(value),
      ),
    )
    assert.equal(
      (raw as { cookie: { expires: string } }).cookie.expires,
      new Date(record.expiresAt).toISOString(),
    )
  })

  it('refuses listByUser and deleteByUser without all(), instead of answering wrongly', async () => {
    const memory = new session.MemoryStore()
    const noAll: ExpressSessionStoreLike = {
      get: (sid, cb) => memory.get(sid, cb),
      set: (sid, value, cb) => memory.set(sid, value as session.SessionData, cb),
      destroy: (sid, cb) => memory.destroy(sid, cb),
    }
    const store = createExpressSessionAdapter({ store: noAll })
    const record = sessionRecord()
    await store.sessions.create(record)
    assert.deepEqual(await store.sessions.get(record.idHash), record)
    await assert.rejects(store.sessions.listByUser('user-1'), (err) =>
      isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
    await assert.rejects(store.sessions.deleteByUser('user-1'), (err) =>
      isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
    assert.equal(await store.sessions.deleteExpired(Date.now()), 0)
  })

  it('turns a store that never calls back into ERR_STORE_UNAVAILABLE', async () => {
    const silent: ExpressSessionStoreLike = { get() {}, set() {}, destroy() {} }
    const store = createExpressSessionAdapter({ store: silent, callTimeoutMs: 50 })
    await assert.rejects(store.sessions.get('x'), (err) =>
      isTesseraError(err, 'ERR_STORE_UNAVAILABLE'),
    )
  })

  it('turns a store error into ERR_STORE_UNAVAILABLE with the error as cause', async () => {
    const broken = new Error('connection lost')
    const failing: ExpressSessionStoreLike = {
      get: (_sid, cb) => cb(broken),
      set: (_sid, _value, cb) => cb?.(broken),
      destroy: (_sid, cb) => cb?.(broken),
    }
    const store = createExpressSessionAdapter({ store: failing })
    await assert.rejects(
      store.sessions.create(sessionRecord()),
      (err) => isTesseraError(err, 'ERR_STORE_UNAVAILABLE') && err.cause === broken,
    )
  })
})

describe('express-session adapter on connect-redis', () => {
  if (serviceUrl('REDIS_URL') === undefined) return
  it('keeps two key prefixes on one connect-redis store apart', async () => {
    const redisStore = new RedisStore({ client: await client(), prefix: 'tessera-test-shared:' })
    const a = createExpressSessionAdapter({ store: redisStore, keyPrefix: 'a:' })
    const b = createExpressSessionAdapter({ store: redisStore, keyPrefix: 'b:' })
    const record = sessionRecord({ userId: 'shared' })
    await a.sessions.create(record)
    try {
      assert.equal(await b.sessions.get(record.idHash), null)
      assert.deepEqual(await b.sessions.listByUser('shared'), [])
      assert.equal((await a.sessions.listByUser('shared')).length, 1)
    } finally {
      await a.sessions.delete(record.idHash)
    }
  })
})
