// The adapter's hold on the response, over real HTTP: a plain assignment is committed before
// the response leaves, whichever way the handler ends it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import express from 'express'
import { createMemoryStore } from '../../src/stores/memory.js'
import { session } from '../../src/adapters/express.js'
import { sharedApp, withApp } from '../helpers/express-app.js'
import { client, listen } from '../helpers/http.js'

describe('holdUntilCommitted', () => {
  const shared = sharedApp()

  it('commits a plain assignment before a redirect made right after it', async () => {
    const c = client(shared.server.url)
    const res = await c.request('/redirect-after-write')
    assert.equal(res.status, 302)
    assert.equal(res.setCookies.length, 1)
    assert.equal(JSON.parse((await c.request('/peek')).text).x, 'written')
  })

  it('commits nothing a handler left half-done when it threw', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const res = await c.request('/throw')
    assert.equal(res.status, 500)
    assert.equal(JSON.parse((await c.request('/peek')).text).x, undefined)
  })

  it('commits an assignment made after streaming began, for an existing session', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const res = await c.request('/stream')
    assert.equal(res.text, 'ab')
    assert.equal(JSON.parse((await c.request('/peek')).text).streamed, true)
  })

  it('creates no session when the response was already streaming (no way to send its cookie)', async () => {
    const writes = shared.t.store.writes()
    const res = await client(shared.server.url).request('/stream')
    assert.equal(res.text, 'ab')
    assert.deepEqual(res.setCookies, [])
    assert.equal(shared.t.store.writes(), writes)
  })

  it('answers 503 (through Express’s error handler) instead of the handler’s response when the final commit fails', async () => {
    await withApp({}, async (t, server) => {
      const c = client(server.url)
      await c.request('/views')
      t.store.failing = 'replace'
      const res = await c.request('/views')
      assert.equal(res.status, 503)
      assert.match(res.text, /Session store unavailable; try again shortly\./)
      assert.deepEqual(res.setCookies, [])
      t.store.failing = false
      assert.equal((await c.request('/views')).text, '2')
    })
  })
})

describe('holdUntilCommitted in a mounted sub-app and under an earlier write/end wrapper', () => {
  async function served(
    mount: (app: express.Express, sessions: express.RequestHandler) => void,
    run: (url: string) => Promise<void>,
  ): Promise<void> {
    const store = createMemoryStore()
    const app = express()
    mount(app, session({ carrier: 'server', keys: [{ id: 'k', key: randomBytes(32) }], store }))
    const server = await listen(app)
    try {
      await run(server.url)
    } finally {
      await server.close()
      await store.close?.()
    }
  }
  const writeThenRedirect: express.RequestHandler = (req, res) => {
    ;(req.session.data as { x?: string }).x = 'written'
    res.redirect('/peek')
  }
  const peek: express.RequestHandler = (req, res) => {
    res.json(req.session.data)
  }

  it('commits a plain assignment made in a sub-app before its redirect leaves', async () => {
    await served(
      (app, sessions) => {
        const sub = express()
        sub.get('/write', writeThenRedirect)
        sub.get('/peek', peek)
        app.use(sessions)
        app.use('/sub', sub)
      },
      async (url) => {
        const c = client(url)
        const res = await c.request('/sub/write')
        assert.equal(res.status, 302)
        assert.equal(res.setCookies.length, 1)
        assert.equal(JSON.parse((await c.request('/sub/peek')).text).x, 'written')
      },
    )
  })

  it('commits before a write/end wrapper installed by an earlier middleware flushes headers', async () => {
    await served(
      (app, sessions) => {
        app.use((_req, res, next) => {
          const end = res.end.bind(res) as (...args: unknown[]) => unknown
          res.end = ((...args: unknown[]) => {
            res.setHeader('X-Wrapped', '1')
            res.writeHead(res.statusCode) // like compression: headers go out before the body
            return end(...args)
          }) as express.Response['end']
          next()
        })
        app.use(sessions)
        app.get('/write', writeThenRedirect)
        app.get('/peek', peek)
      },
      async (url) => {
        const c = client(url)
        const res = await c.request('/write')
        assert.equal(res.headers.get('x-wrapped'), '1')
        assert.equal(res.setCookies.length, 1)
        assert.equal(JSON.parse((await c.request('/peek')).text).x, 'written')
      },
    )
  })
})
