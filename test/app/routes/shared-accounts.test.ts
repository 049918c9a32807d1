// Accounts shared by app instances on one Redis or PostgreSQL: a user registered through one
// instance signs in through another, each instance with its own data directory, so nothing is
// shared through SQLite files. And an accounts outage fails closed with 503.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AccountRepository } from '../../../app/accounts.js'
import type { AppConfig } from '../../../app/config.js'
import { appWithLog, assertFailedClosed, refused, SECRET_USER } from '../../helpers/outage.js'
import { serviceUrl, uniqueName } from '../../helpers/services.js'
import { startTestApp } from '../../helpers/test-app.js'
import { WebClient } from '../../helpers/web-client.js'

const PASSWORD = 'correct horse battery'
const CARRIERS = ['server', 'cookie', 'token'] as const

/** Two instances per carrier on the store of `overrides`, each with its own data directory. */
function describeTwoInstances(overrides: () => Partial<AppConfig> | undefined) {
  for (const carrier of CARRIERS) {
    it(`${carrier}: two instances share accounts: register through A, sign in through B`, async () => {
      const store = overrides()
      assert.ok(store)
      const a = await startTestApp({ ...store, carrier })
      const b = await startTestApp({ ...store, carrier })
      try {
        assert.notEqual(a.config.dataDir, b.config.dataDir)
        const username = uniqueName('shared')
        const registered = await new WebClient(a.url).submit('/register', '/register', {
          username,
          password: PASSWORD,
        })
        assert.equal(registered.status, 303)
        assert.equal(registered.location, '/login?registered=1')

        const onB = new WebClient(b.url)
        const signedIn = await onB.submit('/login', '/login', { username, password: PASSWORD })
        assert.equal(signedIn.status, 303, signedIn.body)
        assert.equal(signedIn.location, '/profile')
        const profile = await onB.get('/profile')
        assert.equal(profile.status, 200)
        assert.match(profile.body, new RegExp(username))

        const wrong = await new WebClient(b.url).submit('/login', '/login', {
          username,
          password: 'not the password',
        })
        assert.equal(wrong.status, 401)
        const again = await new WebClient(b.url).submit('/register', '/register', {
          username,
          password: 'another password',
        })
        assert.equal(again.location, registered.location, 'a taken name answered as a new one')
        const original = await new WebClient(a.url).submit('/login', '/login', {
          username,
          password: PASSWORD,
        })
        assert.equal(original.location, '/profile', 'the name is taken on every instance')
        const other = await new WebClient(a.url).submit('/login', '/login', {
          username,
          password: 'another password',
        })
        assert.equal(other.status, 401, 'registering it again through B changed nothing')
      } finally {
        await a.close()
        await b.close()
      }
    })
  }
}

describe('two app servers on one PostgreSQL', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  describeTwoInstances(() => ({ store: 'postgres', databaseUrl: url }))
})

describe('two app servers on one Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  describeTwoInstances(() => ({ store: 'redis', redisUrl: url }))
})

describe('POST /login and /register when the accounts backend is down', () => {
  const repo: AccountRepository = {
    findByUsername: refused,
    findById: refused,
    insert: refused,
    updateHash: refused,
    close: async () => {},
  }
  const app = appWithLog({ accountRepository: repo })

  for (const path of ['/login', '/register']) {
    it(`POST ${path} fails closed with 503, no stack trace and no username in the page or the log`, async () => {
      app.logged.length = 0
      const res = await new WebClient(app.url()).submit(path, path, {
        username: SECRET_USER,
        password: PASSWORD,
      })
      assertFailedClosed(res, app.logged)
    })
  }
})
