// Issue 16, clear failures: a PostgreSQL schema that does not exist, and ready() on every store.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { createClient } from 'redis'
import { isTesseraError } from '../../src/errors.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createPostgresStore, migratePostgres } from '../../src/stores/postgres.js'
import { postgresMigrations, postgresTables } from '../../src/stores/postgres-schema.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { sessionRecord } from '../../src/testing/fixtures.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'

async function rejectsNaming(promise: Promise<unknown> | undefined, pattern: RegExp) {
  await assert.rejects(
    promise ?? Promise.resolve(),
    (err: unknown) =>
      isTesseraError(err, 'ERR_STORE_UNAVAILABLE') && pattern.test((err as Error).message),
  )
}

describe('ready() on the embedded stores', () => {
  it('memory: ready at once', async () => {
    await createMemoryStore().ready?.()
  })

  it('sqlite: ready while open, and says it is closed after close()', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-ready-'))
    try {
      const store = createSqliteStore({ path: path.join(dir, 's.db'), prefix: 'acme_' })
      assert.equal(typeof store.ready, 'function')
      await store.ready?.()
      await store.close?.()
      await rejectsNaming(store.ready?.(), /sqlite store is closed/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ready() on Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  it('is ready when the server answers, and says so when it does not', async () => {
    const client = createClient({ url, socket: { reconnectStrategy: false } })
    client.on('error', () => {})
    await client.connect()
    const store = createRedisStore({ client, prefix: `${uniqueName('ready')}:` })
    await store.ready?.()
    await client.quit()
    await rejectsNaming(store.ready?.(), /redis ready check failed/)
  })
})

describe('createPostgresStore({ schema }) on a database without that schema', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const pool = new pg.Pool({ connectionString: url, max: 3 })
  const schemas: string[] = []
  const fresh = () => {
    const name = uniqueName('auth')
    schemas.push(name)
    return name
  }
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
    await pool.end()
  })

  it('creates the schema when it migrates: sessions work at once, and ready() resolves', async () => {
    const schema = fresh()
    const store = createPostgresStore({ pool, schema, sweepIntervalSeconds: 0 })
    const record = sessionRecord({ idHash: 'h1', userId: 'u1' })
    await store.sessions.create(record)
    assert.equal((await store.sessions.get('h1'))?.userId, 'u1')
    await store.ready?.()
    await store.close?.()
  })

  it('with migrate: false, ready() refuses naming the schema in its own message', async () => {
    const schema = fresh()
    const store = createPostgresStore({ pool, schema, migrate: false, sweepIntervalSeconds: 0 })
    await rejectsNaming(store.ready?.(), new RegExp(`schema "${schema}" does not exist`))
    await pool.query(`CREATE SCHEMA "${schema}"`)
    await rejectsNaming(
      store.ready?.(),
      new RegExp(`table "${schema}"."tessera_sessions" does not exist`),
    )
    await store.close?.()
  })

  it('with migrate: false, ready() refuses tables an upgrade has not migrated yet, naming the migration', async () => {
    const schema = fresh()
    await pool.query(`CREATE SCHEMA "${schema}"`)
    // The tables of schema version 1, as an older tessera left them.
    const t = postgresTables(schema, 'tessera')
    for (const statement of postgresMigrations(t, 'tessera')[0]!) await pool.query(statement)
    await pool.query(
      `CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    )
    await pool.query(`INSERT INTO ${t.migrations} (version, applied_at) VALUES (1, 0)`)
    const store = createPostgresStore({ pool, schema, migrate: false, sweepIntervalSeconds: 0 })
    const known = postgresMigrations(t, 'tessera').length
    await rejectsNaming(store.ready?.(), new RegExp(`at migration 1 of ${known}`))
    await migratePostgres({ pool, schema })
    await store.ready?.()
    await store.close?.()
  })
})
