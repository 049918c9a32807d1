// Files private to their owner: the SQLite store's database (and its WAL and shared-memory
// files) and the reference app's accounts.db and throttle.db are created 0600, in directories
// created 0700, whatever the process umask.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { startTestApp } from '../helpers/test-app.js'
import { WebClient } from '../helpers/web-client.js'

function mode(file: string): number {
  return statSync(file).mode & 0o777
}

describe('file modes', () => {
  let previousUmask: number
  let root: string
  before(() => {
    previousUmask = process.umask(0o022) // the usual umask, which would give 0644 and 0755
    root = mkdtempSync(path.join(tmpdir(), 'tessera-modes-'))
  })
  after(() => {
    process.umask(previousUmask)
    rmSync(root, { recursive: true, force: true })
  })

  it('security: the SQLite store creates its database, WAL and SHM files 0600 and its directories 0700', async () => {
    const file = path.join(root, 'store', 'nested', 'sessions.db')
    const store = createSqliteStore({ path: file })
    const now = Date.now()
    await store.sessions.create({
      idHash: 'h'.repeat(43),
      userId: 'u1',
      data: {},
      version: 1,
      createdAt: now,
      authenticatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 60_000,
      meta: {},
    })
    for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f)
    assert.equal(mode(path.dirname(file)), 0o700)
    assert.equal(mode(path.join(root, 'store')), 0o700)
  })

  it('security: the shipped app on SQLite keeps sessions.db, accounts.db and throttle.db 0600', async () => {
    const dataDir = path.join(root, 'app-data')
    const app = await startTestApp({ store: 'sqlite', dataDir })
    try {
      const user = new WebClient(app.url)
      const registered = await user.submit('/register', '/register', {
        username: 'modes',
        password: 'correct horse battery staple',
      })
      assert.equal(registered.status, 303)
      const wrong = await user.submit('/login', '/login', {
        username: 'modes',
        password: 'not the password at all',
      })
      assert.notEqual(wrong.status, 500)
      assert.equal(mode(dataDir), 0o700)
      for (const name of ['sessions.db', 'accounts.db', 'throttle.db']) {
        const file = path.join(dataDir, name)
        assert.equal(mode(file), 0o600, name)
        for (const sidecar of [`${file}-wal`, `${file}-shm`])
          assert.equal(mode(sidecar), 0o600, sidecar)
      }
    } finally {
      await app.close()
    }
  })
})
