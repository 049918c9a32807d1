// The CLI against a plain deployment of the library (not the reference app): stores made with the
// library's API, with names of their own (table prefix, key prefix, schema, table, key id).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { createClient } from 'redis'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import type { Store } from '../../src/stores/store.js'
import { runCli } from '../helpers/cli.js'
import { testApp } from '../helpers/express-app.js'
import { client, form, listen, type Client, type Running } from '../helpers/http.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'

const KEY_ID = 'acme-2026'

/** A deployment: its store, the CLI options that name it, and how to undo it. */
interface Deployment {
  readonly store: Store
  readonly options: string[]
  readonly env: Record<string, string>
  /** The same options with the table (or prefix) changed to one that does not exist. */
  readonly wrongName: string[]
  /** Whether anything with the wrong name exists now. */
  wrongNameExists(): Promise<boolean>
  close(): Promise<void>
}

async function signIn(server: Running, user: string): Promise<Client> {
  const c = client(server.url)
  assert.equal((await c.request('/login', form({ user }))).status, 303)
  return c
}

function cookiePair(c: Client): string {
  const [entry] = [...c.jar]
  assert.ok(entry, 'the app set a cookie')
  return `${entry[0]}=${entry[1]}`
}

function deploymentTests(name: string, open: () => Promise<Deployment>): void {
  describe(`tessera on a library deployment: ${name}`, () => {
    const key = randomBytes(32)
    const env = { TESSERA_SESSION_KEY: key.toString('base64url') }
    let deployment: Deployment
    let server: Running
    let phone: Client
    let laptop: Client
    before(async () => {
      deployment = await open()
      const app = testApp({ keys: [{ id: KEY_ID, key }] }, deployment.store)
      server = await listen(app.app)
      phone = await signIn(server, 'alice')
      laptop = await signIn(server, 'alice')
    })
    after(async () => {
      await server.close()
      await deployment.close()
    })
    const cli = (args: string[]) =>
      runCli([...args, ...deployment.options], { ...env, ...deployment.env })

    it("lists the user's sessions with the handles the app shows", async () => {
      const r = await cli(['sessions', 'list', '--user', 'alice', '--key-id', KEY_ID, '--json'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '', 'no progress with --json')
      const listing = JSON.parse(r.stdout) as { sessions: { handle: string }[] }
      assert.equal(listing.sessions.length, 2)
      const handle = JSON.parse((await phone.request('/handle')).text) as string
      assert.ok(listing.sessions.some((s) => s.handle === handle))
    })

    it('finds a session id in the store and names its user', async () => {
      const r = await cli(['inspect', cookiePair(laptop), '--json'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(
        (JSON.parse(r.stdout) as { explanation: string }).explanation,
        /live session of user alice/,
      )
    })

    it('sweeps it', async () => {
      const r = await cli(['sweep', '--json'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal((JSON.parse(r.stdout) as { store: string }).store, name)
    })

    it('revokes one session by handle: the app no longer knows it', async () => {
      const handle = JSON.parse((await phone.request('/handle')).text) as string
      const r = await cli(['sessions', 'revoke', '--user', 'alice', '--key-id', KEY_ID, handle])
      assert.equal(r.code, 0, r.stderr)
      assert.equal((await phone.request('/profile')).status, 401)
      assert.equal((await laptop.request('/profile')).status, 200)
    })

    it('exits 1 naming a store that is not there, and creates nothing', async () => {
      for (const command of [
        ['sessions', 'list', '--user', 'alice', '--key-id', KEY_ID],
        ['sweep'],
      ]) {
        const r = await runCli([...command, ...deployment.wrongName], {
          ...env,
          ...deployment.env,
        })
        if (name === 'redis') {
          // A key prefix nobody uses is an empty store, not an error; still nothing is written.
          assert.equal(r.code, 0, r.stderr)
        } else {
          assert.equal(r.code, 1, r.stdout)
          assert.match(r.stderr, /other|missing/)
          assert.match(r.stderr, /nothing was created/)
        }
        assert.equal(await deployment.wrongNameExists(), false)
      }
    })
  })
}

deploymentTests('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-deployment-'))
  const file = path.join(dir, 'app.db')
  const store = createSqliteStore({ path: file, prefix: 'acme_' })
  const tables = () =>
    (
      new Database(file, { readonly: true })
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all() as { name: string }[]
    ).map((t) => t.name)
  return {
    store,
    options: ['--store', 'sqlite', '--path', file, '--prefix', 'acme_'],
    env: {},
    wrongName: ['--store', 'sqlite', '--path', file, '--prefix', 'other_'],
    wrongNameExists: async () => tables().some((t) => t.startsWith('other_')),
    async close() {
      await store.close?.()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('on the networked stores', () => {
  const redisUrl = serviceUrl('REDIS_URL')
  const databaseUrl = serviceUrl('DATABASE_URL')
  if (redisUrl !== undefined) {
    deploymentTests('redis', async () => {
      const redis = createClient({ url: redisUrl })
      await redis.connect()
      const prefix = `${uniqueName('acme')}:`
      const wrong = `${uniqueName('other')}:`
      const store = createRedisStore({ client: redis, prefix })
      return {
        store,
        options: ['--store', 'redis', '--redis-url', redisUrl, '--prefix', prefix],
        env: {},
        wrongName: ['--store', 'redis', '--redis-url', redisUrl, '--prefix', wrong],
        wrongNameExists: async () => (await redis.keys(`${wrong}*`)).length > 0,
        async close() {
          const keys = await redis.keys(`${prefix}*`)
          if (keys.length > 0) await redis.del(keys)
          await redis.quit()
        },
      }
    })
  }
  if (databaseUrl !== undefined) {
    deploymentTests('postgres', async () => {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
      const schema = uniqueName('acme')
      await pool.query(`CREATE SCHEMA "${schema}"`)
      const store = createPostgresStore({ pool, schema, table: 'sess' })
      return {
        store,
        options: ['--store', 'postgres', '--schema', schema, '--table', 'sess'],
        env: { DATABASE_URL: databaseUrl },
        wrongName: ['--store', 'postgres', '--schema', schema, '--table', 'other'],
        async wrongNameExists() {
          const { rows } = await pool.query<{ n: string }>(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'other%'",
            [schema],
          )
          return Number(rows[0]?.n) > 0
        },
        async close() {
          await store.close?.()
          await pool.query(`DROP SCHEMA "${schema}" CASCADE`)
          await pool.end()
        },
      }
    })

    it('postgres: exits 1 naming a schema that does not exist, and creates it not', async () => {
      const schema = uniqueName('absent')
      const r = await runCli(['sweep', '--store', 'postgres', '--schema', schema], {
        DATABASE_URL: databaseUrl,
      })
      assert.equal(r.code, 1)
      assert.match(r.stderr, new RegExp(`no schema "${schema}"`))
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
      try {
        const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
        assert.equal(rows.length, 0)
      } finally {
        await pool.end()
      }
    })
  }
})

describe('tessera inspect with a deployment’s keys', () => {
  const key = randomBytes(32)
  let server: Running
  let sealed: string
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-keys-'))
  before(async () => {
    server = await listen(testApp({ carrier: 'cookie', keys: [{ id: KEY_ID, key }] }).app)
    sealed = cookiePair(await signIn(server, 'bob'))
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('opens a sealed cookie with the key from a key file and its --key-id', async () => {
    const file = path.join(dir, 'keys')
    writeFileSync(file, `# newest first\n${key.toString('base64url')}\n`)
    const r = await runCli(['inspect', sealed, '--key-file', file, '--key-id', KEY_ID, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal((JSON.parse(r.stdout) as { verified: boolean }).verified, true)
  })

  it('refuses it under another key id (the id travels in the seal)', async () => {
    const r = await runCli(['inspect', sealed, '--json'], {
      TESSERA_SESSION_KEY: key.toString('base64url'),
    })
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.stdout) as { verified: boolean }).verified, false)
  })

  it('exits 1 without a key, naming where it looked, and creates no development key', async () => {
    const dataDir = path.join(dir, 'data')
    const r = await runCli(['inspect', sealed, '--data-dir', dataDir])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no session key: set TESSERA_SESSION_KEY or give --key-file/)
    assert.equal(existsSync(dataDir), false)
    assert.deepEqual(readdirSync(dir).includes('data'), false)
  })

  it('exits 1 naming a key file that does not exist', async () => {
    const file = path.join(dir, 'absent-keys')
    const r = await runCli(['inspect', sealed, '--key-file', file])
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`key file ${file} does not exist`))
  })

  it('refuses a key on the command line without echoing it', async () => {
    const secret = key.toString('base64url')
    const r = await runCli(['inspect', sealed, '--key', secret])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /never taken on the command line/)
    assert.equal(r.stderr.includes(secret), false)
  })

  it('refuses a key that begins with "-" the same way, in either spelling and on either command', async () => {
    // One random base64url key in 64 begins with "-"; a parser would take it for an option.
    const secret = `-${key.toString('base64url').slice(1)}`
    for (const args of [
      ['inspect', sealed, '--key', secret],
      ['inspect', sealed, `--key=${secret}`],
      ['sessions', 'list', '--user', 'bob', '--key', secret],
    ]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, args.join(' '))
      assert.match(r.stderr, /never taken on the command line/)
      assert.equal(r.stderr.includes(secret.slice(1)), false)
    }
  })

  it('exits 2 when --key-id does not give one id per key', async () => {
    const r = await runCli(['inspect', sealed, '--key-id', 'a', '--key-id', 'b'], {
      TESSERA_SESSION_KEY: key.toString('base64url'),
    })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--key-id is given 2 times for 1 key/)
  })
})
