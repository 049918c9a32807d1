import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, createCluster } from 'redis'
import { isTesseraError } from '../../src/errors.js'
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import { checkDistributedStore } from '../helpers/store-checks.js'
import { sessionRecord } from '../helpers/store-records.js'
import {
  haveRedisBinaries,
  startRedisCluster,
  startRedisServer,
  type RedisCluster,
  type RedisProcess,
} from '../helpers/redis-server.js'

type Client = ReturnType<typeof createClient>

async function connect(url: string): Promise<Client> {
  const client = createClient({ url })
  client.on('error', () => {}) // reconnects by itself; commands report failures
  await client.connect()
  return client
}

describe('redis store (single node)', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  let client: Client
  before(async () => {
    client = await connect(url)
  })
  after(async () => {
    client.destroy()
  })
  // Every store gets its own random prefix; its keys are removed afterwards.
  const makeStore = async () => {
    const prefix = `${uniqueName('t')}:`
    return {
      store: createRedisStore({ client, prefix }),
      release: async () => {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length > 0) await client.del(keys)
        }
      },
    }
  }
  checkDistributedStore(makeStore)

  it('keeps two prefixes apart', async () => {
    const a = await makeStore()
    const b = await makeStore()
    const record = sessionRecord('shared-user')
    await a.store.sessions.create(record)
    assert.equal(await b.store.sessions.get(record.idHash), null)
    assert.deepEqual(await b.store.sessions.listByUser('shared-user'), [])
    await a.release()
    await b.release()
  })

  it('expires the record and its index entry by TTL, leaving no key behind', async () => {
    const prefix = `${uniqueName('t')}:`
    const store = createRedisStore({ client, prefix })
    const record = sessionRecord('ttl-user', { expiresAt: Date.now() + 200 })
    await store.sessions.create(record)
    assert.equal(await client.exists([`${prefix}{s:${record.idHash}}`, `${prefix}{u:ttl-user}`]), 2)
    await new Promise((resolve) => setTimeout(resolve, 400))
    assert.equal(await client.exists([`${prefix}{s:${record.idHash}}`, `${prefix}{u:ttl-user}`]), 0)
  })

  it('rejects a prefix with a hash-tag brace', () => {
    assert.throws(
      () => createRedisStore({ client, prefix: 'a{b' }),
      (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
  })
})

describe('redis store on a three-node Redis Cluster', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  if (!haveRedisBinaries()) {
    it('skipped: redis-server and redis-cli are not installed', { skip: true }, () => {})
    return
  }
  let cluster: RedisCluster
  let client: ReturnType<typeof createCluster>
  before(async () => {
    cluster = await startRedisCluster()
    client = createCluster({
      rootNodes: cluster.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    })
    client.on('error', () => {})
    await client.connect()
  })
  after(async () => {
    client?.destroy()
    await cluster?.cleanup()
  })
  checkDistributedStore(async () => ({
    store: createRedisStore({
      client: client as unknown as RedisClientLike,
      prefix: `${uniqueName('t')}:`,
    }),
    release: async () => {},
  }))
})

describe('redis store during an outage', () => {
  if (!haveRedisBinaries()) {
    it('skipped: redis-server and redis-cli are not installed', { skip: true }, () => {})
    return
  }
  let server: RedisProcess
  let client: Client
  before(async () => {
    server = await startRedisServer()
    client = await connect(`redis://127.0.0.1:${server.port}`)
  })
  after(async () => {
    client?.destroy()
    await server?.cleanup()
  })

  it('fails with ERR_STORE_UNAVAILABLE while the server is down and recovers without a new store', async () => {
    const store = createRedisStore({ client, commandTimeoutMs: 300 })
    const record = sessionRecord('outage-user')
    await store.sessions.create(record)
    assert.equal((await store.sessions.get(record.idHash))?.idHash, record.idHash)

    await server.kill()
    const calls = [
      store.sessions.get(record.idHash),
      store.sessions.replace({ ...record, version: 2 }, 1),
      store.sessions.listByUser('outage-user'),
      store.refreshTokens.use('x', Date.now()),
    ]
    const started = Date.now()
    for (const call of calls) {
      await assert.rejects(call, (err) => isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
    }
    // Not a speed measurement: a generous bound that only a hanging call would exceed.
    assert.ok(Date.now() - started < 3000, 'calls failed within the command timeout')

    await server.restart()
    // The client reconnects by itself; bounded wait for the first success (the data is gone:
    // this throwaway server keeps nothing on disk).
    let answered = false
    for (let i = 0; i < 40 && !answered; i++) {
      answered = await store.sessions.get(record.idHash).then(
        () => true,
        () => false,
      )
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(answered, true)
    await store.sessions.create(record)
    assert.equal((await store.sessions.get(record.idHash))?.idHash, record.idHash)
  })
})
