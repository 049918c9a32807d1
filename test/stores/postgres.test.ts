import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { isTesseraError } from '../../src/errors.js'
import { createPostgresStore, migratePostgres } from '../../src/stores/postgres.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import { checkDistributedStore } from '../helpers/store-checks.js'
import { sessionRecord } from '../helpers/store-records.js'

describe('postgres store', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  let pool: pg.Pool
  const schemas: string[] = []
  before(() => {
    pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2000 })
  })
  after(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  })
  // Every store gets its own schema, dropped at the end, so runs never collide.
  const freshSchema = async () => {
    const schema = uniqueName('t')
    schemas.push(schema)
    await pool.query(`CREATE SCHEMA "${schema}"`)
    return schema
  }
  checkDistributedStore(async () => ({
    store: createPostgresStore({ pool, schema: await freshSchema() }),
    release: async () => {},
  }))

  it('creates its tables on first use and migrate() is idempotent', async () => {
    const schema = await freshSchema()
    assert.equal(await migratePostgres({ pool, schema }), 1)
    assert.equal(await migratePostgres({ pool, schema }), 0)
    const store = createPostgresStore({ pool, schema, migrate: false })
    const record = sessionRecord('m')
    await store.sessions.create(record)
    assert.deepEqual(await store.sessions.get(record.idHash), record)
  })

  it('runs concurrent first-use migrations from many stores without error', async () => {
    const schema = await freshSchema()
    const stores = Array.from({ length: 4 }, () => createPostgresStore({ pool, schema }))
    await Promise.all(stores.map((s) => s.sessions.create(sessionRecord('c'))))
    assert.equal((await stores[0]!.sessions.listByUser('c')).length, 4)
  })

  it('sweeps expired rows in batches and keeps live ones', async () => {
    const store = createPostgresStore({ pool, schema: await freshSchema(), sweepBatchSize: 7 })
    const soon = Date.now() + 60_000
    for (let i = 0; i < 30; i++) {
      await store.sessions.create(sessionRecord('s', { expiresAt: soon }))
    }
    const live = sessionRecord('s', { expiresAt: soon + 3_600_000 })
    await store.sessions.create(live)
    assert.equal(await store.sessions.deleteExpired(soon), 30)
    assert.equal(await store.sessions.deleteExpired(soon), 0)
    assert.deepEqual(
      (await store.sessions.listByUser('s')).map((r) => r.idHash),
      [live.idHash],
    )
  })

  const badNames = [
    ['a quote', 'a"b'],
    ['a semicolon', 'x;drop'],
    ['upper case', 'Sessions'],
    ['empty', ''],
  ] as const
  for (const [what, name] of badNames) {
    it(`refuses a table name with ${what}`, () => {
      assert.throws(
        () => createPostgresStore({ pool, table: name }),
        (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
      )
    })
  }
})
