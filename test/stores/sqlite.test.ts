import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { isTesseraError } from '../../src/errors.js'
import { SQLITE_META_TABLE, SQLITE_MIGRATIONS } from '../../src/stores/schema/sqlite.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { refreshTokenRecord, sessionRecord, sortedIds } from '../../src/testing/fixtures.js'
import { testStore } from '../../src/testing/store-conformance.js'
import { repoFile } from '../helpers/paths.js'
import { countingDatabase, tempDir } from '../helpers/sqlite.js'

const temp = tempDir()
const shared = new Database(':memory:')
after(() => {
  shared.close()
  temp.remove()
})

testStore('sqlite (a file per store)', (namespace) =>
  createSqliteStore({ path: path.join(temp.dir, `${namespace}.db`) }),
)
testStore('sqlite (one database, a table prefix per store)', (namespace) =>
  createSqliteStore({ database: shared, prefix: `${namespace}_` }),
)

const isUnavailable = (err: unknown) => isTesseraError(err, 'ERR_STORE_UNAVAILABLE')
const isConfigInvalid = (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID')

/** Runs an ES module script in a child node process; returns its exit status. */
function runChild(script: string): {
  status: number | null
  signal: string | null
  stderr: string
} {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 30_000,
  })
  return { status: child.status, signal: child.signal, stderr: child.stderr.toString() }
}
/** Runs a script in a child node process without blocking; resolves with its stdout. */
function runChildAsync(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))))
  })
}
const SQLITE_MODULE = JSON.stringify(repoFile('dist/src/stores/sqlite.js'))

describe('createSqliteStore', () => {
  const invalid = [
    ['neither path nor database', {}],
    ['both path and database', { path: 'x.db', database: shared }],
    ['an empty path', { path: '' }],
    ['a prefix with a quote', { database: shared, prefix: 'a"b' }],
    ['a prefix starting with a digit', { database: shared, prefix: '1a' }],
    ['a sweepBatchSize of 0', { database: shared, sweepBatchSize: 0 }],
  ] as const
  for (const [name, options] of invalid) {
    it(`refuses ${name} with ERR_CONFIG_INVALID`, () => {
      assert.throws(() => createSqliteStore(options as never), isConfigInvalid)
    })
  }

  it('without better-sqlite3 installed, refuses a path with ERR_CONFIG_INVALID naming the driver', () => {
    // A copy of the compiled library where no node_modules can be found above it.
    const copy = path.join(temp.dir, 'no-driver')
    cpSync(repoFile('dist/src'), path.join(copy, 'src'), { recursive: true })
    const child =
      runChild(`import { createSqliteStore } from ${JSON.stringify(path.join(copy, 'src/stores/sqlite.js'))}
      try {
        createSqliteStore({ path: ':memory:' })
      } catch (err) {
        if (err.code === 'ERR_CONFIG_INVALID' && err.message.includes('better-sqlite3')) process.exit(0)
      }
      process.exit(1)`)
    assert.equal(child.status, 0, child.stderr)
  })

  it('creates its schema in an empty file, in WAL mode, and records the schema version', async () => {
    const file = path.join(temp.dir, 'fresh.db')
    const store = createSqliteStore({ path: file })
    await store.close?.()
    const db = new Database(file, { readonly: true })
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    const version = db.prepare("SELECT value FROM tessera_meta WHERE key = 'schema_version'").get()
    assert.deepEqual(version, { value: '2' })
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'tessera_%'")
      .all()
      .map((r) => (r as { name: string }).name)
      .sort()
    assert.deepEqual(indexes, [
      'tessera_refresh_tokens_by_expiry',
      'tessera_refresh_tokens_by_family',
      'tessera_sessions_by_expiry',
      'tessera_sessions_by_user',
    ])
    db.close()
  })

  it('keeps sessions across a close and reopen of the same file', async () => {
    const file = path.join(temp.dir, 'restart.db')
    const record = sessionRecord({ data: { count: 41, name: 'zoë 😀' } })
    const token = refreshTokenRecord()
    const first = createSqliteStore({ path: file })
    await first.sessions.create(record)
    await first.refreshTokens.insert(token)
    await first.close?.()
    const second = createSqliteStore({ path: file })
    assert.deepEqual(await second.sessions.get(record.idHash), record)
    assert.deepEqual(await second.sessions.listByUser(record.userId!), [record])
    assert.deepEqual(await second.refreshTokens.use(token.idHash, Date.now()), token)
    await second.close?.()
  })

  it('keeps a write acknowledged by a process that then exits without closing', async () => {
    const file = path.join(temp.dir, 'child.db')
    const record = sessionRecord()
    const child = runChild(`import { createSqliteStore } from ${SQLITE_MODULE}
      const store = createSqliteStore({ path: ${JSON.stringify(file)} })
      await store.sessions.create(${JSON.stringify(record)})
      process.exit(0)`)
    assert.equal(child.status, 0, child.stderr)
    const store = createSqliteStore({ path: file })
    assert.deepEqual(await store.sessions.get(record.idHash), record)
    await store.close?.()
  })

  it('keeps compare-and-set and first use atomic across processes sharing the file', async () => {
    const file = path.join(temp.dir, 'processes.db')
    const record = sessionRecord({ version: 1 })
    const token = refreshTokenRecord()
    const setup = createSqliteStore({ path: file })
    await setup.sessions.create(record)
    await setup.refreshTokens.insert(token)
    await setup.close?.()
    const contender = (i: number) => `import { createSqliteStore } from ${SQLITE_MODULE}
      const store = createSqliteStore({ path: ${JSON.stringify(file)} })
      const record = ${JSON.stringify(record)}
      const results = await Promise.all(Array.from({ length: 10 }, (_, k) =>
        store.sessions.replace({ ...record, version: 2, data: { by: ${i} * 100 + k } }, 1)))
      const used = await store.refreshTokens.use(${JSON.stringify(token.idHash)}, Date.now())
      await store.close()
      console.log(JSON.stringify({ wins: results.filter(Boolean).length, first: used.usedAt === null }))`
    const outputs = await Promise.all([1, 2, 3].map((i) => runChildAsync(contender(i))))
    const results = outputs.map((o) => JSON.parse(o) as { wins: number; first: boolean })
    assert.equal(
      results.reduce((sum, r) => sum + r.wins, 0),
      1,
    )
    assert.equal(results.filter((r) => r.first).length, 1)
    const check = createSqliteStore({ path: file })
    assert.equal((await check.sessions.get(record.idHash))?.version, 2)
    await check.close?.()
  })

  it('lets several processes create and migrate a fresh file at the same time', async () => {
    const file = path.join(temp.dir, 'fresh-shared.db')
    const records = [1, 2, 3].map(() => sessionRecord({ userId: 'racer' }))
    await Promise.all(
      records.map((r) =>
        runChildAsync(`import { createSqliteStore } from ${SQLITE_MODULE}
          const store = createSqliteStore({ path: ${JSON.stringify(file)} })
          await store.sessions.create(${JSON.stringify(r)})
          await store.close()`),
      ),
    )
    const store = createSqliteStore({ path: file })
    assert.deepEqual(sortedIds(await store.sessions.listByUser('racer')), sortedIds(records))
    await store.close?.()
  })

  it('keeps no timer that holds the process open', () => {
    const file = path.join(temp.dir, 'timers.db')
    const child = runChild(`import { createSqliteStore } from ${SQLITE_MODULE}
      const store = createSqliteStore({ path: ${JSON.stringify(file)}, sweepIntervalSeconds: 1 })
      await store.sessions.create(${JSON.stringify(sessionRecord())})`)
    assert.equal(child.signal, null, 'the child had to be killed: something kept it alive')
    assert.equal(child.status, 0, child.stderr)
  })

  it('migrates a database of schema version 1 forward: old rows read back without a login lifetime', async () => {
    const db = new Database(':memory:')
    // Version 1 exactly as shipped (a shipped migration is never edited), with one row in it.
    db.exec(SQLITE_META_TABLE.replaceAll('{p}', 'old_'))
    db.exec(SQLITE_MIGRATIONS[0]!.replaceAll('{p}', 'old_'))
    db.prepare("INSERT INTO old_meta (key, value) VALUES ('schema_version', '1')").run()
    const old = sessionRecord({ userId: 'old' })
    db.prepare(
      `INSERT INTO old_sessions (id_hash, user_id, data, version, created_at, authenticated_at,
        last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      old.idHash,
      old.userId,
      JSON.stringify(old.data),
      old.version,
      old.createdAt,
      old.authenticatedAt,
      old.lastSeenAt,
      old.expiresAt,
      old.meta.ip,
      old.meta.userAgent,
    )
    const store = createSqliteStore({ database: db, prefix: 'old_', sweepIntervalSeconds: 0 })
    assert.deepEqual(db.prepare("SELECT value FROM old_meta WHERE key = 'schema_version'").get(), {
      value: String(SQLITE_MIGRATIONS.length),
    })
    const read = await store.sessions.get(old.idHash)
    assert.deepEqual(read, old)
    assert.equal('maxAgeSeconds' in (read ?? {}), false)
    const remembered = { ...old, version: 2, maxAgeSeconds: 86_400 }
    assert.equal(await store.sessions.replace(remembered, 1), true)
    assert.deepEqual(await store.sessions.get(old.idHash), remembered)
    const fresh = sessionRecord({ userId: 'old', maxAgeSeconds: null })
    await store.sessions.create(fresh)
    assert.deepEqual(await store.sessions.get(fresh.idHash), fresh)
    await store.close?.()
    db.close()
  })

  it('refuses a schema newer than it knows', async () => {
    const db = new Database(':memory:')
    createSqliteStore({ database: db, prefix: 'future_' })
    db.prepare("UPDATE future_meta SET value = '99' WHERE key = 'schema_version'").run()
    assert.throws(() => createSqliteStore({ database: db, prefix: 'future_' }), isConfigInvalid)
    db.close()
  })

  it('closes a database it opened, and never one it was given', async () => {
    const given = new Database(':memory:')
    const store = createSqliteStore({ database: given })
    await store.close?.()
    assert.equal(given.open, true)
    await assert.rejects(store.sessions.get('x'), isUnavailable)
    given.close()
    const opened = createSqliteStore({ path: path.join(temp.dir, 'owned.db') })
    await opened.close?.()
    await assert.rejects(opened.sessions.create(sessionRecord()), isUnavailable)
    await assert.rejects(opened.sessions.get('x'), isUnavailable)
  })

  it('wraps a driver failure on read as ERR_STORE_UNAVAILABLE with the cause kept', async () => {
    const db = new Database(':memory:')
    const store = createSqliteStore({ database: db })
    db.close()
    await assert.rejects(store.sessions.get('x'), (err: unknown) => {
      assert.ok(isUnavailable(err))
      assert.ok((err as Error).cause instanceof Error)
      return true
    })
    await store.close?.()
  })

  it('deleteExpired deletes in batches until nothing expired is left', async () => {
    const db = new Database(':memory:')
    const store = createSqliteStore({ database: db, sweepBatchSize: 7 })
    const past = Date.now() - 1000
    for (let i = 0; i < 20; i++) await store.sessions.create(sessionRecord({ expiresAt: past }))
    for (let i = 0; i < 15; i++)
      await store.refreshTokens.insert(refreshTokenRecord({ expiresAt: past }))
    const live = sessionRecord()
    await store.sessions.create(live)
    assert.equal(await store.sessions.deleteExpired(Date.now()), 20)
    assert.equal(await store.refreshTokens.deleteExpired(Date.now()), 15)
    assert.deepEqual(await store.sessions.get(live.idHash), live)
    await store.close?.()
    db.close()
  })
})

describe('sqlite group commit', () => {
  it('commits concurrent writes in few transactions, each durable when acknowledged', async () => {
    const file = path.join(temp.dir, 'group.db')
    const counting = countingDatabase(file)
    const store = createSqliteStore({ database: counting.database })
    const beginsBefore = counting.begins()
    const records = Array.from({ length: 200 }, () => sessionRecord({ userId: 'grouped' }))
    await Promise.all(records.map((r) => store.sessions.create(r)))
    const transactions = counting.begins() - beginsBefore
    assert.ok(transactions >= 1 && transactions <= 4, `${transactions} transactions for 200 writes`)
    const reader = new Database(file, { readonly: true })
    const count = reader
      .prepare("SELECT count(*) AS n FROM tessera_sessions WHERE user_id = 'grouped'")
      .get()
    assert.deepEqual(count, { n: 200 })
    reader.close()
    await store.close?.()
    counting.raw.close()
  })

  it('keeps the compare-and-set result of each replace in a batch', async () => {
    const db = new Database(':memory:')
    const store = createSqliteStore({ database: db })
    const a = sessionRecord({ version: 1 })
    const b = sessionRecord({ version: 1 })
    await Promise.all([store.sessions.create(a), store.sessions.create(b)])
    const results = await Promise.all([
      store.sessions.replace({ ...a, version: 2 }, 1),
      store.sessions.replace({ ...a, version: 2 }, 1),
      store.sessions.replace({ ...b, version: 2 }, 5),
      store.sessions.replace({ ...b, version: 2 }, 1),
    ])
    assert.deepEqual(results, [true, false, false, true])
    await store.close?.()
    db.close()
  })

  it('rejects every write of a failed transaction with ERR_STORE_UNAVAILABLE and stores none', async () => {
    const db = new Database(':memory:')
    const store = createSqliteStore({ database: db })
    db.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON tessera_sessions
      WHEN NEW.user_id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`)
    const innocent = Array.from({ length: 10 }, () => sessionRecord({ userId: 'innocent' }))
    const outcomes = await Promise.allSettled([
      ...innocent.map((r) => store.sessions.create(r)),
      store.sessions.create(sessionRecord({ userId: 'boom' })),
    ])
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected')
      assert.ok(isUnavailable(outcome.reason))
      assert.match(String((outcome.reason as Error).cause), /refused by test trigger/)
    }
    assert.deepEqual(await store.sessions.listByUser('innocent'), [])
    const after = sessionRecord({ userId: 'innocent' })
    await store.sessions.create(after)
    assert.deepEqual(await store.sessions.listByUser('innocent'), [after])
    await store.close?.()
    db.close()
  })
})
