// Issue 16, clear failures: `ready()` on every adapter's session middleware (keys and store, for a
// health route), and a session read before its middleware ran (mounted after the routes) is
// ERR_SESSION_NOT_MOUNTED naming the fix, not "Cannot read properties of undefined".
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import pg from 'pg'
import { session as expressSession, csrf } from '../../src/adapters/express.js'
import { session as fastifySession } from '../../src/adapters/fastify.js'
import { session as honoSession } from '../../src/adapters/hono.js'
import { session as koaSession } from '../../src/adapters/koa.js'
import { createSessions } from '../../src/adapters/web.js'
import { isTesseraError } from '../../src/errors.js'
import type { Store } from '../../src/stores/store.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { client, listen } from '../helpers/http.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'
import { testKeys } from '../helpers/session.js'

/** Each adapter's `ready()`, for a server-carrier session over `store`. */
const READY: Record<string, (store: Store) => Promise<() => Promise<void>>> = {
  express: async (store) => expressSession({ carrier: 'server', store, keys: testKeys() }).ready,
  hono: async (store) => honoSession({ carrier: 'server', store, keys: testKeys() }).ready,
  koa: async (store) => koaSession({ carrier: 'server', store, keys: testKeys() }).ready,
  web: async (store) => createSessions({ carrier: 'server', store, keys: testKeys() }).ready,
  fastify: async (store) => {
    const app = Fastify()
    await app.register(fastifySession, { carrier: 'server', store, keys: testKeys() })
    await app.ready()
    return () => app.tessera.ready()
  },
}

async function rejectsNaming(pending: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(pending, (err: unknown) => {
    assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'), String(err))
    assert.match((err as Error).message, pattern)
    return true
  })
}

describe('ready() on the session middleware', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-ready-mw-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const [adapter, readyOf] of Object.entries(READY)) {
    it(`${adapter}: resolves with a working store, names the problem of a closed one`, async () => {
      await (
        await readyOf(createMemoryStore({ sweepIntervalSeconds: 0 }))
      )()
      const store = createSqliteStore({ path: path.join(dir, `${adapter}.db`) })
      const ready = await readyOf(store)
      await ready()
      await store.close?.()
      await rejectsNaming(ready(), /sqlite store is closed/)
    })
  }

  it('a store without ready() of its own is checked with a read', async () => {
    const inner = createMemoryStore({ sweepIntervalSeconds: 0 })
    let down = false
    const store: Store = {
      refreshTokens: inner.refreshTokens,
      sessions: {
        ...inner.sessions,
        get: (idHash) =>
          down ? Promise.reject(new Error('connection refused')) : inner.sessions.get(idHash),
      },
    }
    const ready = await (READY.express as (s: Store) => Promise<() => Promise<void>>)(store)
    await ready()
    down = true
    await rejectsNaming(ready(), /session store ready failed/)
  })

  const url = serviceUrl('DATABASE_URL')
  if (url !== undefined) {
    it('a PostgreSQL schema that does not exist is named (migrate: false)', async () => {
      const pool = new pg.Pool({ connectionString: url, max: 2 })
      const schema = uniqueName('noschema')
      const store = createPostgresStore({ pool, schema, migrate: false, sweepIntervalSeconds: 0 })
      try {
        const ready = await (READY.koa as (s: Store) => Promise<() => Promise<void>>)(store)
        await rejectsNaming(ready(), new RegExp(`schema "${schema}" does not exist`))
      } finally {
        await store.close?.()
        await pool.end()
      }
    })
  }
})

describe('session() mounted after the routes', () => {
  it('Express: the route’s read goes to the error path as ERR_SESSION_NOT_MOUNTED naming the fix', async () => {
    const app = express()
    const seen: unknown[] = []
    app.get('/profile', (req, res) => void res.json({ user: req.session.userId }))
    app.use(expressSession({ carrier: 'server', store: createMemoryStore(), keys: testKeys() }))
    app.use(
      (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        seen.push(err)
        res.status(500).send((err as Error).message)
      },
    )
    const running = await listen(app)
    try {
      const res = await client(running.url).request('/profile')
      assert.equal(res.status, 500)
      assert.ok(isTesseraError(seen[0], 'ERR_SESSION_NOT_MOUNTED'), String(seen[0]))
      assert.match(res.text, /mount app\.use\(session\(\.\.\.\)\) before the routes/)
      assert.doesNotMatch(res.text, /Cannot read properties of undefined/)
    } finally {
      await running.close()
    }
  })

  it('Express: routes after session() and apps without tessera are unchanged', async () => {
    const plain = express()
    plain.get('/', (req, res) => void res.send(String(req.session)))
    const good = express()
    good.use(expressSession({ carrier: 'server', store: createMemoryStore(), keys: testKeys() }))
    good.get('/', (req, res) => void res.send(String(req.session.userId)))
    const apps = [await listen(plain), await listen(good)]
    try {
      assert.equal((await client(apps[0]!.url).request('/')).text, 'undefined')
      assert.equal((await client(apps[1]!.url).request('/')).text, 'null')
    } finally {
      for (const a of apps) await a.close()
    }
  })

  it('Express: csrf() before session() still says to mount it after session()', async () => {
    const app = express()
    app.use(csrf())
    app.use(expressSession({ carrier: 'server', store: createMemoryStore(), keys: testKeys() }))
    app.post('/', (_req, res) => void res.send('ok'))
    app.use(
      (err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).send(err.message)
      },
    )
    const running = await listen(app)
    try {
      const res = await client(running.url).request('/', { method: 'POST' })
      assert.match(res.text, /csrf\(\) must be mounted after session\(\)/)
    } finally {
      await running.close()
    }
  })

  it('Koa: ctx.session read before the middleware ran is ERR_SESSION_NOT_MOUNTED', async () => {
    const app = new Koa()
    const seen: unknown[] = []
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        seen.push(err)
        ctx.status = 500
        ctx.body = (err as Error).message
      }
    })
    app.use((ctx) => {
      ctx.body = { user: ctx.session.userId }
    })
    app.use(koaSession({ carrier: 'server', store: createMemoryStore(), keys: testKeys() }))
    const callback = app.callback()
    const running = await listen(createServer((req, res) => void callback(req, res)))
    try {
      const res = await client(running.url).request('/')
      assert.equal(res.status, 500)
      assert.ok(isTesseraError(seen[0], 'ERR_SESSION_NOT_MOUNTED'), String(seen[0]))
      assert.match(res.text, /mount app\.use\(session\(\.\.\.\)\) before/)
    } finally {
      await running.close()
    }
  })
})
