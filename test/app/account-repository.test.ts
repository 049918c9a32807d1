// Where accounts are kept, on every backend: one table of cases run against memory, SQLite,
// Redis and PostgreSQL; then what the shared backends add: two instances see one set of
// accounts, one username makes one account even when registered twice at once, and a backend
// that does not answer fails closed.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { isTesseraError } from 'tessera-session'
import { createAccounts, type Account, type AccountRepository } from '../../app/accounts.js'
import { memoryAccountRepository } from '../../app/accounts/memory.js'
import { postgresAccountRepository } from '../../app/accounts/postgres.js'
import { redisAccountRepository } from '../../app/accounts/redis.js'
import { sqliteAccountRepository } from '../../app/accounts/sqlite.js'
import { BACKEND_TIMEOUT_MS } from '../../app/backend-calls.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import {
  postgresInstances,
  redisInstances,
  withProxiedPostgres,
  withProxiedRedis,
} from '../helpers/service-instances.js'

/**
 * Opens repository `instance` (0 or 1: separate connections or handles) on a namespace (a key
 * prefix, table or file); the same namespace through both instances is one shared state.
 */
type OpenRepository = (namespace: string, instance: 0 | 1) => AccountRepository

/** Repositories on one fresh namespace: `on(1)` is another instance sharing it with `on(0)`. */
type Instances = (instance?: 0 | 1) => AccountRepository

interface Case {
  readonly name: string
  run(on: Instances): Promise<void>
}

let serial = 0
function account(username: string, overrides: Partial<Account> = {}): Account {
  serial += 1
  return {
    id: `id-${serial}-${uniqueName('a')}`,
    username,
    passwordHash: `scrypt$10$8$1$salt${serial}$hash${serial}`,
    createdAt: Date.UTC(2026, 0, 1) + serial,
    ...overrides,
  }
}

const CASES: readonly Case[] = [
  {
    name: 'finds an inserted account by username and by id',
    async run(on) {
      const ann = account('ann')
      assert.equal(await on().insert(ann), true)
      assert.deepEqual(await on().findByUsername('ann'), ann)
      assert.deepEqual(await on().findById(ann.id), ann)
    },
  },
  {
    name: 'finds nothing for an unknown username or id',
    async run(on) {
      assert.equal(await on().findByUsername('nobody'), undefined)
      assert.equal(await on().findById('no-such-id'), undefined)
    },
  },
  {
    name: 'keeps usernames as given: unicode and separators are part of the name',
    async run(on) {
      const names = ['ｅｌｌａ', 'ella', 'a:b', 'x{y}z', 'имя пользователя']
      const accounts = names.map((name) => account(name))
      for (const a of accounts) assert.equal(await on().insert(a), true)
      for (const a of accounts) assert.deepEqual(await on().findByUsername(a.username), a)
    },
  },
  {
    name: 'refuses a second account with a taken username and keeps the first',
    async run(on) {
      const first = account('bob')
      assert.equal(await on().insert(first), true)
      assert.equal(await on().insert(account('bob')), false)
      assert.deepEqual(await on().findByUsername('bob'), first)
    },
  },
  {
    name: 'updates the password hash, seen by username and by id',
    async run(on) {
      const cy = account('cy')
      await on().insert(cy)
      await on().updateHash(cy.id, 'scrypt$11$8$1$new$new')
      assert.equal((await on().findByUsername('cy'))?.passwordHash, 'scrypt$11$8$1$new$new')
      assert.deepEqual(await on().findById(cy.id), { ...cy, passwordHash: 'scrypt$11$8$1$new$new' })
    },
  },
  {
    name: 'updating the hash of an unknown id creates no account',
    async run(on) {
      await on().updateHash('no-such-id', 'scrypt$11$8$1$x$x')
      assert.equal(await on().findById('no-such-id'), undefined)
    },
  },
  {
    name: 'two concurrent inserts of one username: exactly one succeeds',
    async run(on) {
      const contenders = [account('dee'), account('dee'), account('dee'), account('dee')]
      const results = await Promise.all(contenders.map((a, i) => on(i % 2 === 0 ? 0 : 1).insert(a)))
      assert.equal(results.filter(Boolean).length, 1, String(results))
      const winner = contenders[results.indexOf(true)]
      assert.deepEqual(await on(0).findByUsername('dee'), winner)
      assert.deepEqual(await on(1).findByUsername('dee'), winner)
      for (const [i, a] of contenders.entries()) {
        if (!results[i]) assert.equal(await on().findById(a.id), undefined, 'no half account')
      }
    },
  },
  {
    name: 'registers, refuses the name again and verifies through the accounts layer',
    async run(on) {
      const accounts = await createAccounts(on(0), 10)
      const registered = await accounts.register('ｅｖｅ', 'correct horse')
      assert.ok(registered)
      assert.equal(registered.username, 'eve')
      assert.equal(await accounts.register('eve', 'another password'), null)
      assert.equal((await accounts.verify('eve', 'correct horse'))?.id, registered.id)
      assert.equal(await accounts.verify('eve', 'wrong password'), null)
    },
  },
]

/** Cases only for repositories that instances share (every one but memory). */
const SHARED_CASES: readonly Case[] = [
  {
    name: 'shares accounts across instances: registered through one, verified through another',
    async run(on) {
      const a = await createAccounts(on(0), 10)
      const b = await createAccounts(on(1), 10)
      const registered = await a.register('fay', 'correct horse')
      assert.ok(registered)
      assert.equal((await b.verify('fay', 'correct horse'))?.id, registered.id)
      assert.equal(await b.register('fay', 'other password'), null)
      // A rehash through one instance (a higher cost) is what the other then verifies against.
      const stronger = await createAccounts(on(1), 11)
      assert.ok(await stronger.verify('fay', 'correct horse'))
      assert.match((await on(0).findById(registered.id))?.passwordHash ?? '', /^scrypt\$11\$/)
    },
  },
]

/** Registers every case for one backend, each case on a fresh namespace. */
function describeCases(shared: boolean, open: OpenRepository, close: () => Promise<void>) {
  const repos: AccountRepository[] = []
  after(async () => {
    for (const repo of repos) await repo.close()
    await close()
  })
  for (const c of shared ? [...CASES, ...SHARED_CASES] : CASES) {
    it(c.name, async () => {
      const namespace = uniqueName('accounts')
      const opened = new Map<0 | 1, AccountRepository>()
      const on: Instances = (instance = 0) => {
        let repo = opened.get(instance)
        if (repo === undefined) {
          // Memory is one process: both "instances" are the same repository.
          repo = shared || opened.size === 0 ? open(namespace, instance) : opened.get(0)!
          repos.push(repo)
          opened.set(instance, repo)
        }
        return repo
      }
      await c.run(on)
    })
  }
}

/**
 * Checks that every call through the accounts fails with ERR_STORE_UNAVAILABLE within about
 * the bound, naming neither the user nor the driver, once `cut()` has taken the service away.
 */
async function checkFailsClosed(repo: AccountRepository, cut: () => Promise<void>) {
  const accounts = await createAccounts(repo, 10)
  assert.equal(await accounts.verify('secret-username', 'whatever'), null, 'works before')
  await cut()
  for (const call of [
    () => accounts.verify('secret-username', 'correct horse'),
    () => accounts.register('secret-username', 'correct horse'),
    () => accounts.findById('some-id'),
  ]) {
    const started = Date.now()
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
      assert.equal(err.message, 'accounts unavailable')
      return true
    })
    assert.ok(Date.now() - started < BACKEND_TIMEOUT_MS * 3, 'bounded')
  }
}

describe('account repository on memory', () => {
  describeCases(
    false,
    () => memoryAccountRepository(),
    async () => {},
  )

  it('fails closed with ERR_STORE_UNAVAILABLE when its repository throws or hangs', async () => {
    let broken: (() => Promise<never>) | undefined
    const inner = memoryAccountRepository()
    const repo: AccountRepository = {
      findByUsername: (u) => broken?.() ?? inner.findByUsername(u),
      findById: (id) => broken?.() ?? inner.findById(id),
      insert: (a) => broken?.() ?? inner.insert(a),
      updateHash: (id, h) => broken?.() ?? inner.updateHash(id, h),
      close: async () => {},
    }
    await checkFailsClosed(repo, async () => {
      broken = () => Promise.reject(new Error('connection refused for secret-username'))
    })
    broken = () => new Promise(() => {})
    await assert.rejects((await createAccounts(repo, 10)).findByUsername('x'), (err: unknown) =>
      isTesseraError(err, 'ERR_STORE_UNAVAILABLE'),
    )
  })
})

describe('account repository on SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-accounts-'))
  describeCases(
    true,
    (namespace) => sqliteAccountRepository(path.join(dir, `${namespace}.db`)),
    async () => rmSync(dir, { recursive: true, force: true }),
  )
})

describe('account repository on Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  const { clients, close } = redisInstances(url)
  describeCases(
    true,
    (namespace, instance) => redisAccountRepository(clients[instance], `${namespace}:`),
    close,
  )

  it('fails closed with ERR_STORE_UNAVAILABLE when Redis goes away', async () => {
    await withProxiedRedis(url, async (client, proxy) => {
      const repo = redisAccountRepository(client, `${uniqueName('accounts')}:`)
      await checkFailsClosed(repo, async () => proxy.freeze())
    })
  })
})

describe('account repository on PostgreSQL', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const pg = postgresInstances(url)
  describeCases(
    true,
    (namespace, instance) => postgresAccountRepository(pg.pool(instance), pg.track(namespace)),
    pg.close,
  )

  it('creates its table once even when two instances start together', async () => {
    const table = pg.table('accounts')
    const repos = [0, 1, 0, 1].map((i) =>
      postgresAccountRepository(pg.pool(i === 0 ? 0 : 1), table),
    )
    const results = await Promise.all(repos.map((r, i) => r.insert(account(`gil${i}`))))
    assert.deepEqual(results, [true, true, true, true])
    const { rows } = await pg.pool(0).query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_name = $1 ORDER BY column_name`,
      [table],
    )
    assert.deepEqual(
      rows.map((r) => [r.column_name, r.data_type]),
      [
        ['created_at', 'bigint'],
        ['id', 'text'],
        ['password_hash', 'text'],
        ['username', 'text'],
      ],
    )
  })

  it('refuses a table name that is not a plain identifier', () => {
    assert.throws(
      () => postgresAccountRepository(pg.pool(0), 'accounts"; drop table x; --'),
      (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
  })

  it('fails closed with ERR_STORE_UNAVAILABLE when PostgreSQL goes away', async () => {
    await withProxiedPostgres(url, async (pool, proxy) => {
      const repo = postgresAccountRepository(pool, pg.table('accounts'))
      await checkFailsClosed(repo, async () => proxy.freeze())
    })
  })
})
