// Issue 16, clear failures: the CSRF refusals a developer meets first say what to fix.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import express, { type ErrorRequestHandler } from 'express'
import { csrf, session } from '../../src/adapters/express.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { client, form, listen, type Client } from '../helpers/http.js'
import { testKeys } from '../helpers/session.js'

/** Every message down an error's cause chain, outermost first. */
function causes(err: unknown): string[] {
  const out: string[] = []
  for (let e = err; e instanceof Error && out.length < 10; e = e.cause) out.push(e.message)
  return out
}

/** An app with session() and csrf() but no body parser; records what reached the error path. */
async function appWithoutBodyParser(
  routes: (app: express.Express) => void,
  fn: (c: Client, errors: unknown[], url: string) => Promise<void>,
): Promise<void> {
  const errors: unknown[] = []
  const app = express()
  const sessions = session({ carrier: 'server', store: createMemoryStore(), keys: testKeys() })
  app.use(sessions)
  routes(app)
  const handler: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err)
    res.status((err as { status?: number }).status ?? 500).send('refused')
  }
  app.use(handler)
  const server = await listen(app)
  try {
    await fn(client(server.url), errors, server.url)
  } finally {
    await server.close()
  }
}

describe('csrf() with no body parser before it', () => {
  it('answers 403 whose cause says the form token was not found and a body parser must run first', async () => {
    await appWithoutBodyParser(
      (app) => {
        app.get('/form', async (req, res) => void res.send(await req.session.csrfToken()))
        app.post('/form', csrf(), (_req, res) => void res.send('accepted'))
      },
      async (c, errors) => {
        const token = (await c.request('/form')).text
        const res = await c.request('/form', form({ _csrf: token }))
        assert.equal(res.status, 403)
        const chain = causes(errors[0]).join(' | ')
        assert.match(chain, /form token \(_csrf\) was not found/)
        assert.match(chain, /body parser/)
        assert.match(chain, /before csrf\(\)/)
      },
    )
  })
})

describe('a POST behind a TLS proxy without trust proxy', () => {
  // The browser is on https://host; the proxy forwards plain HTTP; Express, not told to trust the
  // proxy, sees http. Both ways in are covered: a signed-in session, and a sign-in.
  it("refuses with a 403 whose cause names 'trust proxy'", async () => {
    await appWithoutBodyParser(
      (app) => {
        app.post('/login', async (req, res) => {
          await req.session.login('alice')
          res.send('signed in')
        })
        app.post('/change', (req, res) => {
          ;(req.session.data as Record<string, unknown>).x = 1
          res.send('changed')
        })
      },
      async (c, errors, url) => {
        const origin = url.replace(/^http:/, 'https:') // what the browser on the proxy's side sends
        const login = await c.request('/login', { method: 'POST', headers: { origin } })
        assert.equal(login.status, 403)
        assert.match(causes(errors.pop()).join(' | '), /trust proxy/)
        // Signed in without an Origin (as a non-browser client may), then the browser's POST:
        assert.equal((await c.request('/login', { method: 'POST' })).status, 200)
        const change = await c.request('/change', { method: 'POST', headers: { origin } })
        assert.equal(change.status, 403)
        assert.match(causes(errors.pop()).join(' | '), /app\.set\('trust proxy', 1\)/)
      },
    )
  })
})
