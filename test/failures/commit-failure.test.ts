// Issue 16, clear failures: writing the session after the handler fails (the store is down). It
// is never silent: `onEvent` hears `commit-failed` with the code, and the error reaches each
// framework's own error path (a custom handler receives the TesseraError) while the response has
// not been sent. Before, Express answered 503 by itself and no event fired on any adapter.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { describe, it } from 'node:test'
import { createAdaptorServer } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import type { SessionOptions } from '../../src/adapters/core.js'
import { session as expressSession } from '../../src/adapters/express.js'
import { session as fastifySession } from '../../src/adapters/fastify.js'
import { session as honoSession, type SessionEnv } from '../../src/adapters/hono.js'
import { session as koaSession } from '../../src/adapters/koa.js'
import { createSessions } from '../../src/adapters/web.js'
import { isTesseraError } from '../../src/errors.js'
import type { RequestSession, SessionEvent } from '../../src/session/request-session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { client, listen, type Reply, type Running } from '../helpers/http.js'
import { instrument, testKeys, type InstrumentedStore } from '../helpers/session.js'

interface Views {
  views?: number
}
type S = RequestSession<Views>

/** A plain assignment, committed after the handler returned. */
function countView(s: S): string {
  s.data.views = (s.data.views ?? 0) + 1
  return String(s.data.views)
}

/** What one app saw: the events, and what its own error handler received. */
interface Seen {
  readonly events: SessionEvent[]
  readonly handled: unknown[]
}

type Start = (options: SessionOptions, seen: Seen) => Promise<Running>

/** Each framework with the app's own error handler, answering 599 with `handled`. */
const APPS: Record<string, Start> = {
  express: async (options, seen) => {
    const app = express()
    const sessions = expressSession<Views>(options)
    app.use(sessions)
    app.get('/views', (req, res) => void res.send(countView(sessions.of(req))))
    app.use(
      (err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
        if (!isTesseraError(err)) return next(err)
        seen.handled.push(err)
        res.status(599).send('handled')
      },
    )
    return listen(app)
  },
  fastify: async (options, seen) => {
    const app = Fastify()
    app.setErrorHandler((err, _request, reply) => {
      seen.handled.push(err)
      return reply.code(599).send('handled')
    })
    await app.register(fastifySession, options)
    app.get('/views', async (request) => countView(request.session as unknown as S))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as { port: number }).port
    return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() }
  },
  koa: async (options, seen) => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        seen.handled.push(err)
        ctx.status = 599
        ctx.body = 'handled'
      }
    })
    app.use(koaSession<Views>(options))
    app.use((ctx) => {
      ctx.body = countView(ctx.session as unknown as S)
    })
    const callback = app.callback()
    return listen(createServer((req, res) => void callback(req, res)))
  },
  hono: async (options, seen) => {
    const app = new Hono<SessionEnv<Views>>()
    app.onError((err, c) => {
      seen.handled.push(err)
      return c.text('handled', 599 as 500)
    })
    app.use(honoSession<Views>(options))
    app.get('/views', (c) => c.text(countView(c.get('session'))))
    return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
  },
  web: async (options) => {
    const sessions = createSessions<Views>(options)
    const fetch = (request: Request) => sessions.handle(request, (s) => new Response(countView(s)))
    return listen(createAdaptorServer({ fetch }) as Server)
  },
}

async function withApp(
  adapter: string,
  run: (app: Running, store: InstrumentedStore, seen: Seen) => Promise<void>,
): Promise<void> {
  const store = instrument(createMemoryStore({ sweepIntervalSeconds: 0 }))
  const seen: Seen = { events: [], handled: [] }
  const options: SessionOptions = {
    carrier: 'server',
    store,
    keys: testKeys(),
    onEvent: (e) => void seen.events.push(e),
  }
  const app = await (APPS[adapter] as Start)(options, seen)
  try {
    await run(app, store, seen)
  } finally {
    await app.close()
  }
}

/** A first visit that makes the session, then one whose write fails: its reply. */
async function failedVisit(url: string, store: InstrumentedStore): Promise<Reply> {
  const c = client(url)
  await c.request('/views')
  store.failing = 'replace'
  try {
    return await c.request('/views')
  } finally {
    store.failing = false
  }
}

describe('a commit that fails after the handler', () => {
  for (const adapter of Object.keys(APPS)) {
    it(`${adapter}: onEvent hears commit-failed with the code`, async () => {
      await withApp(adapter, async (app, store, seen) => {
        const c = client(app.url)
        assert.equal((await c.request('/views')).text, '1')
        store.failing = 'replace'
        const res = await c.request('/views')
        store.failing = false
        assert.notEqual(res.status, 200)
        const failed = seen.events.filter((e) => e.type === 'commit-failed')
        assert.deepEqual(failed, [{ type: 'commit-failed', code: 'ERR_STORE_UNAVAILABLE' }])
        assert.equal((await c.request('/views')).text, '2') // the failed write kept nothing
      })
    })

    if (adapter === 'web') continue
    it(`${adapter}: the app's own error handler receives the TesseraError`, async () => {
      await withApp(adapter, async (app, store, seen) => {
        const res = await failedVisit(app.url, store)
        assert.equal(res.status, 599)
        assert.equal(res.text, 'handled')
        assert.equal(seen.handled.length, 1)
        const err = seen.handled[0]
        const { status, cause } = err as { status?: number; cause?: unknown }
        assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'), String(err))
        assert.equal(status, 503)
        assert.ok(isTesseraError(cause, 'ERR_STORE_UNAVAILABLE'))
      })
    })
  }

  it('web: handle() answers its documented 503 instead of the handler’s Response', async () => {
    await withApp('web', async (app, store) => {
      const res = await failedVisit(app.url, store)
      assert.equal(res.status, 503)
      assert.deepEqual(res.setCookies, [])
    })
  })

  it('koa: without a try/catch upstream, app.on("error") hears it and Koa answers 503', async () => {
    const store = instrument(createMemoryStore({ sweepIntervalSeconds: 0 }))
    const app = new Koa()
    const heard: unknown[] = []
    app.on('error', (err: unknown) => void heard.push(err))
    app.use(koaSession<Views>({ carrier: 'server', store, keys: testKeys() }))
    app.use((ctx) => {
      ctx.body = countView(ctx.session as unknown as S)
    })
    const callback = app.callback()
    const running = await listen(createServer((req, res) => void callback(req, res)))
    try {
      const res = await failedVisit(running.url, store)
      assert.equal(res.status, 503)
      assert.equal(heard.length, 1)
      assert.ok(isTesseraError(heard[0], 'ERR_STORE_UNAVAILABLE'))
    } finally {
      await running.close()
    }
  })
})
