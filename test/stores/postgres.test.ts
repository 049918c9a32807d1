import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { isTesseraError } from '../../src/errors.js'
import { createPostgresStore, migratePostgres } from '../../src/stores/postgres.js'
import { sessionRecord, sortedIds } from '../../src/testing/fixtures.js'
import { testStore } from '../../src/testing/store-conformance.js'
import { serviceSkip, serviceUrl, uniqueName } from '../helpers/services.js'
import { checkSharedStore } from '../helpers/store-checks.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

// One pool for the file, opened on first use; every store gets its own schema, dropped after.
const url = process.env.DATABASE_URL
let shared: pg.Pool | undefined
const pool = () => (shared ??= new pg.Pool({ connectionString: url, max: 6 }))
const schemas: string[] = []
after(async () => {
  if (shared === undefined) return
  for (const schema of schemas) await shared.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await shared.end()
})
async function freshSchema(name = uniqueName('t')): Promise<string> {
  schemas.push(name)
  await pool().query(`CREATE SCHEMA "${name}"`)
  return name
}

testStore(
  'postgres',
  async (namespace) => createPostgresStore({ pool: pool(), schema: await freshSchema(namespace) }),
  {
    skip: serviceSkip('DATABASE_URL'),
    cleanup: async (_store, namespace) => {
      await pool().query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
    },
  },
)

describe('postgres store', () => {
  if (serviceUrl('DATABASE_URL') === undefined) return
  checkSharedStore(async () => createPostgresStore({ pool: pool(), schema: await freshSchema() }))

  it('creates its tables on first use, and migrate() is idempotent', async () => {
    const schema = await freshSchema()
    assert.equal(await migratePostgres({ pool: pool(), schema }), 1)
    assert.equal(await migratePostgres({ pool: pool(), schema }), 0)
    const store = createPostgresStore({ pool: pool(), schema, migrate: false })
    const record = sessionRecord()
    await store.sessions.create(record)
    assert.deepEqual(await store.sessions.get(record.idHash), record)
  })

  it('lets many stores migrate the same schema concurrently on first use', async () => {
    const schema = await freshSchema()
    const stores = Array.from({ length: 4 }, () => createPostgresStore({ pool: pool(), schema }))
    await Promise.all(stores.map((s) => s.sessions.create(sessionRecord({ userId: 'c' }))))
    assert.equal((await stores[0]!.sessions.listByUser('c')).length, 4)
  })

  it('sweeps expired rows in several batches and keeps live ones', async () => {
    const schema = await freshSchema()
    const store = createPostgresStore({ pool: pool(), schema, sweepBatchSize: 7 })
    const soon = Date.now() + 60_000
    for (let i = 0; i < 30; i++) {
      await store.sessions.create(sessionRecord({ userId: 's', expiresAt: soon }))
    }
    const live = sessionRecord({ userId: 's', expiresAt: soon + 3_600_000 })
    await store.sessions.create(live)
    assert.equal(await store.sessions.deleteExpired(soon), 30)
    assert.equal(await store.sessions.deleteExpired(soon), 0)
    assert.deepEqual(sortedIds(await store.sessions.listByUser('s')), [live.idHash])
  })

  it('rejects a pool passed positionally instead of as { pool }', () => {
    assert.throws(
      () => createPostgresStore(pool() as never),
      (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
  })

  const badNames = [
    ['a double quote', 'a"b'],
    ['a semicolon', 'x;drop table y'],
    ['upper case', 'Sessions'],
    ['nothing', ''],
  ] as const
  for (const [what, name] of badNames) {
    it(`refuses a table or schema name with ${what}`, () => {
      for (const options of [{ table: name }, { schema: name }]) {
        assert.throws(
          () => createPostgresStore({ pool: pool(), ...options }),
          (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
        )
      }
    })
  }
})

// The shared PostgreSQL must keep running, so the outage is a proxy between pool and server
// that the test cuts (connections reset, new ones refused) or freezes (nothing answers).
describe('postgres store during an outage', () => {
  const databaseUrl = serviceUrl('DATABASE_URL')
  if (databaseUrl === undefined) return
  const target = new URL(databaseUrl)

  const outages = [
    ['the server goes away', (proxy: TcpProxy) => proxy.cut()],
    ['the server stops answering', async (proxy: TcpProxy) => proxy.freeze()],
  ] as const
  for (const [what, startOutage] of outages) {
    it(`fails fast with ERR_STORE_UNAVAILABLE when ${what}, then recovers without a new store`, async () => {
      const proxy = await startTcpProxy(Number(target.port || 5432))
      const proxied = new URL(databaseUrl)
      proxied.hostname = '127.0.0.1'
      proxied.port = String(proxy.port)
      const outagePool = new pg.Pool({
        connectionString: proxied.toString(),
        max: 4,
        connectionTimeoutMillis: 500,
      })
      outagePool.on('error', () => {}) // an idle client whose socket was reset
      try {
        const store = createPostgresStore({
          pool: outagePool,
          schema: await freshSchema(),
          queryTimeoutMs: 500,
        })
        const record = sessionRecord()
        await store.sessions.create(record)
        assert.deepEqual(await store.sessions.get(record.idHash), record)

        await startOutage(proxy)
        const started = Date.now()
        const calls = [
          () => store.sessions.get(record.idHash),
          () => store.sessions.replace({ ...record, version: 2 }, 1),
          () => store.sessions.listByUser(record.userId!),
          () => store.refreshTokens.use(record.idHash, Date.now()),
        ]
        for (const call of calls) {
          await assert.rejects(call(), (err) => isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
        }
        // Not a speed measurement: a generous bound that only a hanging call would exceed.
        assert.ok(Date.now() - started < 5000, 'every call failed within its query timeout')

        await proxy.restore()
        const restoredAt = Date.now()
        let got: unknown = 'no answer'
        while (got === 'no answer' && Date.now() - restoredAt < 2000) {
          got = await store.sessions.get(record.idHash).catch(() => 'no answer')
        }
        // Nothing was lost and nothing was written during the outage.
        assert.deepEqual(got, record)
      } finally {
        await outagePool.end()
        await proxy.close()
      }
    })
  }
})
