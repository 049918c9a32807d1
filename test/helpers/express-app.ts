// The Express 5 app the adapter tests drive over real HTTP: the routes of the tutorial plus a
// few that exercise each way a response can end.
import { after, before } from 'node:test'
import express, { type Express } from 'express'
import { csrf, session, type ExpressSessionOptions } from '../../src/adapters/express.js'
import type { TesseraErrorCode } from '../../src/errors.js'
import type { SessionEvent } from '../../src/session/request-session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import type { Store } from '../../src/stores/store.js'
import { listen, type Running } from './http.js'
import { instrument, testKeys, type InstrumentedStore } from './session.js'

export interface AppData {
  count?: number
  views?: number
  a?: string
  b?: string
  x?: string
  streamed?: boolean
}

export interface TestApp {
  readonly app: Express
  readonly store: InstrumentedStore
  readonly rejects: TesseraErrorCode[]
  readonly events: SessionEvent[]
}

export function testApp(
  options: Partial<ExpressSessionOptions<AppData>> = {},
  store: Store = createMemoryStore(),
): TestApp {
  const instrumented = instrument(store)
  const rejects: TesseraErrorCode[] = []
  const events: SessionEvent[] = []
  const sessions = session<AppData>({
    carrier: 'server',
    store: instrumented,
    keys: testKeys(),
    onReject: (code) => rejects.push(code),
    onEvent: (event) => events.push(event),
    ...options,
  } as ExpressSessionOptions<AppData>)
  const app = express()
  app.use(express.urlencoded({ extended: false, limit: '10kb' }))
  app.use(sessions)
  const s = sessions.of

  app.get('/profile', (req, res) => {
    const session = s(req)
    if (session.userId === null) return void res.status(401).send('anonymous')
    res.json({ userId: session.userId, data: session.data })
  })
  app.post('/login', async (req, res) => {
    const body = req.body as { user?: unknown } | undefined
    await s(req).login(typeof body?.user === 'string' ? body.user : 'alice')
    res.redirect(303, '/profile')
  })
  // The app's own cookies around the session's: one set before the login, one after it.
  app.post('/login-with-own-cookies', async (req, res) => {
    res.setHeader('Set-Cookie', 'theme=dark; Path=/')
    await s(req).login('alice')
    res.cookie('lang', 'en')
    res.redirect(303, '/profile')
  })
  app.post('/logout', async (req, res) => {
    await s(req).logout()
    res.redirect(303, '/login')
  })
  app.post('/logout-everywhere', async (req, res) => {
    res.json(await s(req).logoutEverywhere({ exceptCurrent: true }))
  })
  app.get('/count', async (req, res) => {
    await s(req).update((d) => void (d.count = (d.count ?? 0) + 1))
    res.json(s(req).data.count)
  })
  app.get('/views', (req, res) => {
    const data = s(req).data
    data.views = (data.views ?? 0) + 1
    res.send(String(data.views))
  })
  app.get('/peek', (req, res) => void res.json(s(req).data))
  app.post('/assign', (req, res) => {
    const body = req.body as { key?: 'a' | 'b'; value?: string }
    if (body.key !== undefined) s(req).data[body.key] = body.value ?? ''
    res.send('ok')
  })
  app.get('/redirect-after-write', (req, res) => {
    s(req).data.x = 'written'
    res.redirect('/peek')
  })
  app.get('/stream', (req, res) => {
    res.write('a')
    s(req).data.streamed = true
    res.end('b')
  })
  app.get('/throw', (req) => {
    s(req).data.x = 'half-done'
    throw new Error('boom in handler')
  })
  app.get('/sessions', async (req, res) => void res.json(await s(req).list()))
  app.post('/revoke', async (req, res) => {
    const body = req.body as { handle?: string }
    res.json(await s(req).revoke(String(body.handle)))
  })
  app.get('/form', async (req, res) => void res.send(await s(req).csrfToken()))
  app.post('/form', csrf(), (_req, res) => void res.send('accepted'))
  app.get('/handle', (req, res) => void res.json(s(req).handle))
  return { app, store: instrumented, rejects, events }
}

/** Runs `fn` against a fresh test app listening on 127.0.0.1, and closes it afterwards. */
export async function withApp(
  options: Partial<ExpressSessionOptions<AppData>>,
  fn: (t: TestApp, server: Running) => Promise<void>,
  store?: Store,
): Promise<void> {
  const t = testApp(options, store)
  const server = await listen(t.app)
  try {
    await fn(t, server)
  } finally {
    await server.close()
  }
}

/** One app for a whole describe block: started before its tests, closed after them. */
export function sharedApp(): { t: TestApp; server: Running } {
  const shared = {} as { t: TestApp; server: Running }
  before(async () => {
    shared.t = testApp()
    shared.server = await listen(shared.t.app)
  })
  after(() => shared.server.close())
  return shared
}
