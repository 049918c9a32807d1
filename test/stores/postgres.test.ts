import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { isTesseraError } from '../../src/errors.js'
import { createPostgresStore, migratePostgres } from '../../src/stores/postgres.js'
import {
  postgresMigrations,
  postgresTables,
  SWEEP_SLACK_MS,
} from '../../src/stores/postgres-schema.js'
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
    assert.equal(await migratePostgres({ pool: pool(), schema }), 3)
    assert.equal(await migratePostgres({ pool: pool(), schema }), 0)
    const store = createPostgresStore({ pool: pool(), schema, migrate: false })
    const record = sessionRecord()
    await store.sessions.create(record)
    assert.deepEqual(await store.sessions.get(record.idHash), record)
  })

  it('migrates a database of schema version 1 forward: old rows read back without a login lifetime', async () => {
    const schema = await freshSchema()
    // Version 1 exactly as shipped (a shipped migration is never edited), with one row in it.
    const t = postgresTables(schema, 'tessera')
    for (const statement of postgresMigrations(t, 'tessera')[0]!) await pool().query(statement)
    await pool().query(
      `CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    )
    await pool().query(`INSERT INTO ${t.migrations} (version, applied_at) VALUES (1, 0)`)
    const old = sessionRecord({ userId: 'old' })
    await pool().query(
      `INSERT INTO ${t.sessions} (id_hash, user_id, data, version, created_at, authenticated_at,
         last_seen_at, expires_at, meta) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        old.idHash,
        old.userId,
        JSON.stringify(old.data),
        old.version,
        old.createdAt,
        old.authenticatedAt,
        old.lastSeenAt,
        old.expiresAt,
        JSON.stringify(old.meta),
      ],
    )
    const store = createPostgresStore({ pool: pool(), schema, sweepIntervalSeconds: 0 })
    const read = await store.sessions.get(old.idHash)
    assert.deepEqual(read, old)
    assert.equal('maxAgeSeconds' in (read ?? {}), false)
    assert.equal(await migratePostgres({ pool: pool(), schema }), 0, 'the store migrated to 3')
    const remembered = { ...old, version: 2, maxAgeSeconds: 86_400 }
    assert.equal(await store.sessions.replace(remembered, 1), true)
    assert.deepEqual(await store.sessions.get(old.idHash), remembered)
    const fresh = sessionRecord({ userId: 'old', maxAgeSeconds: null })
    await store.sessions.create(fresh)
    assert.deepEqual(await store.sessions.get(fresh.idHash), fresh)
    await store.close?.()
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

  it("moves a session's sweep_at only when its expiry runs a window ahead or moves earlier", async () => {
    const schema = await freshSchema()
    const store = createPostgresStore({ pool: pool(), schema, sweepIntervalSeconds: 0 })
    const t = postgresTables(schema, 'tessera')
    const sweepAt = async (idHash: string) =>
      Number(
        (await pool().query(`SELECT sweep_at FROM ${t.sessions} WHERE id_hash = $1`, [idHash]))
          .rows[0]?.sweep_at,
      )
    const r = sessionRecord()
    await store.sessions.create(r)
    assert.equal(await sweepAt(r.idHash), r.expiresAt, 'create sets it to the expiry')
    // Small moves forward (replace, touch, alone or in a batch) leave it where it is.
    const a = { ...r, version: 2, expiresAt: r.expiresAt + 1000 }
    assert.equal(await store.sessions.replace(a, 1), true)
    await store.sessions.touch(r.idHash, a.lastSeenAt, a.expiresAt + 1000)
    const other = sessionRecord()
    await store.sessions.create(other)
    await Promise.all([
      store.sessions.touch(r.idHash, a.lastSeenAt, a.expiresAt + 2000),
      store.sessions.touch(other.idHash, other.lastSeenAt, other.expiresAt),
    ])
    assert.equal(await sweepAt(r.idHash), r.expiresAt)
    // A move of more than the window, or any move earlier, brings it to the expiry.
    const far = r.expiresAt + SWEEP_SLACK_MS + 1
    await store.sessions.touch(r.idHash, a.lastSeenAt, far)
    assert.equal(await sweepAt(r.idHash), far)
    const b = { ...a, version: 3, expiresAt: far - 5000 }
    assert.equal(await store.sessions.replace(b, 2), true)
    assert.equal(await sweepAt(r.idHash), far - 5000)
    const [c, d] = [
      { ...b, version: 4, expiresAt: far - 6000 },
      { ...other, version: 2, expiresAt: other.expiresAt + SWEEP_SLACK_MS + 1 },
    ]
    assert.deepEqual(
      await Promise.all([store.sessions.replace(c, 3), store.sessions.replace(d, 1)]),
      [true, true],
    )
    assert.equal(await sweepAt(r.idHash), far - 6000)
    assert.equal(await sweepAt(other.idHash), d.expiresAt)
    // The record read back carries its exact expiry, and expires exactly then.
    assert.deepEqual(await store.sessions.get(r.idHash), c)
    assert.equal(await store.sessions.deleteExpired(c.expiresAt - 1), 0)
    assert.equal(await store.sessions.deleteExpired(c.expiresAt), 1)
    assert.equal(await store.sessions.get(r.idHash), null)
  })

  it('sweeps expired rows that an older tessera wrote without a sweep_at', async () => {
    const schema = await freshSchema()
    const store = createPostgresStore({ pool: pool(), schema, sweepIntervalSeconds: 0 })
    const t = postgresTables(schema, 'tessera')
    const soon = Date.now() + 60_000
    const old = sessionRecord({ expiresAt: soon })
    const live = sessionRecord({ expiresAt: soon + 3_600_000 })
    await store.sessions.create(old)
    await store.sessions.create(live)
    await pool().query(`UPDATE ${t.sessions} SET sweep_at = NULL`)
    assert.equal(await store.sessions.deleteExpired(soon), 1)
    assert.equal(await store.sessions.get(old.idHash), null)
    assert.deepEqual(await store.sessions.get(live.idHash), live)
  })

  it('writes a session in place (a HOT update, no new index entries) while its sweep_at stays', async () => {
    const schema = await freshSchema()
    // One connection, so the statistics this backend reports cover every write below.
    const one = new pg.Pool({ connectionString: url, max: 1 })
    try {
      const store = createPostgresStore({ pool: one, schema, sweepIntervalSeconds: 0 })
      const t = postgresTables(schema, 'tessera')
      const r = sessionRecord({ userId: 'hot' })
      await store.sessions.create(r)
      for (let v = 1; v <= 5; v++) {
        const next = { ...r, version: v + 1, expiresAt: r.expiresAt + v * 1000, data: { v } }
        assert.equal(await store.sessions.replace(next, v), true)
      }
      await store.sessions.touch(r.idHash, r.lastSeenAt, r.expiresAt + 9000)
      // Flushed when the backend next goes idle, so read by the statement after.
      await one.query('SELECT pg_stat_force_next_flush()')
      const { rows } = await one.query(
        'SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = $1::regclass',
        [t.sessions],
      )
      assert.deepEqual(rows[0], { n_tup_upd: '6', n_tup_hot_upd: '6' })
    } finally {
      await one.end()
    }
  })

  /** A store whose pool counts the statements it is sent, by the operation's first word. */
  async function countingStore() {
    const statements: string[] = []
    const counted = {
      query: (config: { text: string }) => {
        statements.push(config.text.trim().split(/\s+/)[0]!.toUpperCase())
        return pool().query(config as never)
      },
      connect: () => pool().connect(),
    }
    const store = createPostgresStore({ pool: counted as never, schema: await freshSchema() })
    await store.sessions.get('warm-up') // migrates
    statements.length = 0
    return { store, statements }
  }

  it('sends the reads of one turn as one statement, each caller getting its own record', async () => {
    const { store, statements } = await countingStore()
    const records = [sessionRecord(), sessionRecord({ userId: 'u2' }), sessionRecord()]
    for (const r of records) await store.sessions.create(r)
    statements.length = 0
    const found = await Promise.all([
      ...records.map((r) => store.sessions.get(r.idHash)),
      store.sessions.get('unknown'),
    ])
    assert.deepEqual(found, [...records, null])
    assert.deepEqual(statements, ['SELECT'])
  })

  it('sends the compare-and-set writes of one turn as one statement, each judged on its own', async () => {
    const { store, statements } = await countingStore()
    const [a, b, c] = [sessionRecord(), sessionRecord(), sessionRecord()]
    for (const r of [a, b, c]) await store.sessions.create(r)
    statements.length = 0
    const results = await Promise.all([
      store.sessions.replace({ ...a, version: 2, data: { n: 'a' } }, 1),
      store.sessions.replace({ ...b, version: 3, data: { n: 'b' } }, 2), // stale version
      store.sessions.replace({ ...c, version: 2, data: { n: 'c' } }, 1),
      store.sessions.replace({ ...sessionRecord(), version: 2 }, 1), // no such record
    ])
    assert.deepEqual(results, [true, false, true, false])
    assert.deepEqual(statements, ['WITH'])
    assert.deepEqual((await store.sessions.get(a.idHash))?.data, { n: 'a' })
    assert.deepEqual((await store.sessions.get(b.idHash))?.data, b.data)
    assert.equal((await store.sessions.get(c.idHash))?.version, 2)
  })

  it('lets exactly one of two same-turn writes of one session win its version check', async () => {
    const { store } = await countingStore()
    const r = sessionRecord()
    await store.sessions.create(r)
    const results = await Promise.all([
      store.sessions.replace({ ...r, version: 2, data: { by: 'first' } }, 1),
      store.sessions.replace({ ...r, version: 2, data: { by: 'second' } }, 1),
    ])
    // They go out in two batches, on two connections: either may win, never both.
    assert.deepEqual([...results].sort(), [false, true])
    const winner = results[0] === true ? 'first' : 'second'
    assert.deepEqual((await store.sessions.get(r.idHash))?.data, { by: winner })
  })

  it('moves the deadlines of the touches of one turn in one statement', async () => {
    const { store, statements } = await countingStore()
    const [a, b] = [sessionRecord(), sessionRecord()]
    for (const r of [a, b]) await store.sessions.create(r)
    statements.length = 0
    const later = Date.now() + 7_200_000
    await Promise.all([
      store.sessions.touch(a.idHash, later - 1000, later),
      store.sessions.touch(b.idHash, later - 2000, later + 1),
    ])
    assert.deepEqual(statements, ['WITH'])
    assert.equal((await store.sessions.get(a.idHash))?.expiresAt, later)
    assert.equal((await store.sessions.get(b.idHash))?.lastSeenAt, later - 2000)
  })

  it('never deadlocks when two processes write the same sessions in opposite orders', async () => {
    const schema = await freshSchema()
    const other = new pg.Pool({ connectionString: url, max: 4 })
    try {
      const one = createPostgresStore({ pool: pool(), schema })
      const two = createPostgresStore({ pool: other, schema })
      const records = Array.from({ length: 8 }, () => sessionRecord())
      for (const r of records) await one.sessions.create(r)
      for (let round = 0; round < 20; round++) {
        const forward = records.map((r) => one.sessions.touch(r.idHash, Date.now(), r.expiresAt))
        const backward = [...records]
          .reverse()
          .map((r) => two.sessions.touch(r.idHash, Date.now(), r.expiresAt))
        await Promise.all([...forward, ...backward])
      }
    } finally {
      await other.end()
    }
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
