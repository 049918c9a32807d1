import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { postgresAccountRepository } from '../../../app/accounts/postgres.js'
import { postgresThrottleBackend } from '../../../app/throttle/postgres.js'
import { runCli } from '../../helpers/cli.js'
import { serviceUrl, uniqueName } from '../../helpers/services.js'

/**
 * After `tessera migrate`, the app's accounts and throttle work for a role that may read and
 * write those tables but not create anything (PostgreSQL 15 grants no CREATE on public).
 */
async function checkWithoutDdl(admin: pg.Client, target: URL, database: string): Promise<void> {
  const role = `${database}_app`
  const owner = new pg.Client({ connectionString: target.toString() })
  await owner.connect()
  await admin.query(`CREATE ROLE "${role}" LOGIN`)
  try {
    await owner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
    await owner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON tessera_app_accounts, tessera_app_login_throttle TO "${role}"`,
    )
    const asApp = new URL(target)
    asApp.username = role
    const pool = new pg.Pool({ connectionString: asApp.toString(), max: 2 })
    try {
      const accounts = postgresAccountRepository(pool, 'tessera_app_accounts')
      const account = { id: 'a1', username: 'ann', passwordHash: 'h', createdAt: 1 }
      assert.equal(await accounts.insert(account), true)
      assert.equal((await accounts.findByUsername('ann'))?.id, 'a1')
      const throttle = postgresThrottleBackend(pool, 'tessera_app_login_throttle', {
        windowSeconds: 900,
        maxEntries: 10,
      })
      await throttle.addFailure(['k'], Date.now())
      assert.equal((await throttle.read(['k'], Date.now()))[0]?.failures, 1)
    } finally {
      await pool.end()
    }
  } finally {
    await owner.end()
    await admin.query(`DROP OWNED BY "${role}" CASCADE`).catch(() => {})
  }
}

describe('tessera migrate', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-migrate-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('creates the SQLite session tables in a new data directory', async () => {
    const r = await runCli(['migrate', '--data-dir', dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /schema up to date/)
    const file = path.join(dataDir, 'sessions.db')
    assert.ok(existsSync(file))
    const db = new Database(file, { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string
      }[]
      assert.ok(
        tables.some((t) => t.name.endsWith('sessions')),
        JSON.stringify(tables),
      )
    } finally {
      db.close()
    }
  })

  it('says there is nothing to migrate for a store without a schema', async () => {
    const r = await runCli(['migrate', '--store', 'memory'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /memory store has no schema: nothing to migrate/)
  })

  it('refuses an unknown store with a usage error', async () => {
    const r = await runCli(['migrate', '--store', 'mongodb'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--store/)
  })

  describe('on PostgreSQL', () => {
    const url = serviceUrl('DATABASE_URL')
    if (url === undefined) return
    it("creates the app's accounts and throttle tables too, in a database that had none", async () => {
      // A database of its own: the shared one may already hold these tables from other suites.
      const name = uniqueName('migrate')
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, '_')
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE "${name}"`)
        const target = new URL(url)
        target.pathname = `/${name}`
        const r = await runCli(['migrate', '--store', 'postgres', '--json'], {
          DATABASE_URL: target.toString(),
        })
        assert.equal(r.code, 0, r.stderr)
        const client = new pg.Client({ connectionString: target.toString() })
        await client.connect()
        try {
          const { rows } = await client.query<{ table_name: string }>(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'tessera_app%' ORDER BY 1",
          )
          const tables = rows.map((row) => row.table_name)
          await checkWithoutDdl(admin, target, name)
          for (const t of [
            'tessera_app_accounts',
            'tessera_app_login_throttle',
            'tessera_app_sessions',
          ]) {
            assert.ok(tables.includes(t), `${t} in ${tables.join(', ')}`)
          }
        } finally {
          await client.end()
        }
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await admin.query(`DROP ROLE IF EXISTS "${name}_app"`)
        await admin.end()
      }
    })

    it('creates the tables, and a second run applies nothing new', async () => {
      const first = await runCli(['migrate', '--store', 'postgres', '--json'], {
        DATABASE_URL: url,
      })
      assert.equal(first.code, 0, first.stderr)
      assert.equal((JSON.parse(first.stdout) as { store: string }).store, 'postgres')
      const second = await runCli(['migrate', '--store', 'postgres', '--json'], {
        DATABASE_URL: url,
      })
      assert.equal(second.code, 0, second.stderr)
      assert.equal(
        (JSON.parse(second.stdout) as { migrationsApplied: number }).migrationsApplied,
        0,
      )
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const { rows } = await client.query<{ n: string }>(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'tessera_app%'",
        )
        assert.ok(Number(rows[0]?.n) >= 1)
      } finally {
        await client.end()
      }
    })
  })
})
