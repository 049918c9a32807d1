// One test app, mounted on every adapter: the routes are written once against `RequestSession`
// (ROUTES), and each adapter's entry only says how its framework mounts the session, reads the
// request and writes the reply. The behaviour suite drives all of them over real HTTP.
import type { Server } from 'node:http'
import { createServer } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { session as expressSession } from '../../src/adapters/express.js'
import { session as fastifySession } from '../../src/adapters/fastify.js'
import { session as honoSession, type SessionEnv } from '../../src/adapters/hono.js'
import { session as koaSession } from '../../src/adapters/koa.js'
import { createSessions } from '../../src/adapters/web.js'
import type { SessionOptions } from '../../src/adapters/core.js'
import type { RequestSession, TokenResponse } from '../../src/session/request-session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { listen, type Running } from './http.js'
import { instrument, testKeys, type InstrumentedStore } from './session.js'

/** The session data the routes use. */
export interface AdapterData {
  count?: number
  views?: number
}

/** What a route reads from the request. */
export interface RouteInput {
  readonly query: URLSearchParams
  /** `refresh(token)` of the mounted middleware or sessions object. */
  refresh(token: unknown): Promise<TokenResponse | null>
  readonly refreshToken: string | undefined
}

/** What a route answers: JSON, text, or a 303 redirect. */
export type RouteOutput =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string }
  | { readonly status: 303; readonly location: string }

type Handler = (s: RequestSession<AdapterData>, input: RouteInput) => Promise<RouteOutput>

/** The routes, written once for every adapter. */
export const ROUTES: readonly (readonly ['GET' | 'POST', string, Handler])[] = [
  [
    'GET',
    '/profile',
    async (s) =>
      s.userId === null
        ? { status: 401, text: 'anonymous' }
        : { status: 200, json: { userId: s.userId, data: s.data } },
  ],
  [
    'POST',
    '/login',
    async (s, i) => {
      await s.login(i.query.get('user') ?? 'alice')
      return { status: 303, location: '/profile' }
    },
  ],
  [
    'POST',
    '/api/login',
    async (s, i) => {
      await s.login(i.query.get('user') ?? 'alice')
      return { status: 200, json: s.tokens() }
    },
  ],
  [
    'POST',
    '/api/refresh',
    async (_s, i) => {
      const tokens = await i.refresh(i.refreshToken)
      return tokens === null ? { status: 401, text: 'no session' } : { status: 200, json: tokens }
    },
  ],
  [
    'POST',
    '/logout',
    async (s) => {
      await s.logout()
      return { status: 303, location: '/login' }
    },
  ],
  ['POST', '/logout-everywhere', async (s) => ({ status: 200, json: await s.logoutEverywhere() })],
  [
    'GET',
    '/count',
    async (s) => {
      await s.update((d) => void (d.count = (d.count ?? 0) + 1))
      return { status: 200, json: s.data.count }
    },
  ],
  [
    'GET',
    '/views',
    async (s) => {
      s.data.views = (s.data.views ?? 0) + 1 // a plain assignment: committed before the reply
      return { status: 200, text: String(s.data.views) }
    },
  ],
  ['GET', '/peek', async (s) => ({ status: 200, json: s.data })],
  ['GET', '/sessions', async (s) => ({ status: 200, json: await s.list() })],
]

/** A running app on one adapter. */
export interface AdapterApp extends Running {
  readonly store: InstrumentedStore
}

/** How an app is built: session options, and whether the framework trusts a proxy. */
export interface AppOptions {
  readonly session?: Partial<SessionOptions>
  readonly trustProxy?: boolean
}

type Start = (options: SessionOptions, trustProxy: boolean) => Promise<Running>

function inputOf(url: string, refreshToken: unknown, refresh: RouteInput['refresh']): RouteInput {
  const query = new URL(url, 'http://x').searchParams
  return {
    query,
    refresh,
    refreshToken: typeof refreshToken === 'string' ? refreshToken : undefined,
  }
}

const startExpress: Start = async (options, trustProxy) => {
  const app = express()
  if (trustProxy) app.set('trust proxy', 'loopback')
  const sessions = expressSession<AdapterData>(options)
  app.use(sessions)
  for (const [method, path, handler] of ROUTES) {
    app[method === 'GET' ? 'get' : 'post'](path, async (req, res) => {
      const out = await handler(
        sessions.of(req),
        inputOf(req.url, req.headers['x-refresh-token'], sessions.refresh),
      )
      if ('location' in out) res.redirect(out.status, out.location)
      else if ('json' in out) res.status(out.status).json(out.json)
      else res.status(out.status).type('text/plain').send(out.text)
    })
  }
  return listen(app)
}

const startFastify: Start = async (options, trustProxy) => {
  const app = Fastify({ trustProxy: trustProxy ? '127.0.0.1' : false })
  await app.register(fastifySession, options)
  for (const [method, path, handler] of ROUTES) {
    app.route({
      method,
      url: path,
      handler: async (request, reply) => {
        const session = request.session as unknown as RequestSession<AdapterData>
        const out = await handler(
          session,
          inputOf(request.url, request.headers['x-refresh-token'], app.tessera.refresh),
        )
        if ('location' in out) return reply.redirect(out.location, out.status)
        if ('json' in out) return reply.code(out.status).send(out.json)
        return reply.code(out.status).type('text/plain').send(out.text)
      },
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() }
}

const startHono: Start = async (options, trustProxy) => {
  const app = new Hono<SessionEnv<AdapterData>>()
  const sessions = honoSession<AdapterData>({ ...options, trustProxy })
  app.use(sessions)
  for (const [method, path, handler] of ROUTES) {
    app.on(method, path, async (c) => {
      const out = await handler(
        c.get('session'),
        inputOf(c.req.url, c.req.header('x-refresh-token'), sessions.refresh),
      )
      if ('location' in out) return c.redirect(out.location, out.status)
      if ('json' in out) return c.json(out.json, out.status as 200)
      return c.text(out.text, out.status as 200)
    })
  }
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
}

const startKoa: Start = async (options, trustProxy) => {
  const app = new Koa()
  app.proxy = trustProxy
  const sessions = koaSession<AdapterData>(options)
  app.use(sessions)
  app.use(async (ctx) => {
    const route = ROUTES.find(([m, p]) => m === ctx.method && p === ctx.path)
    if (route === undefined) return
    const session = ctx.session as unknown as RequestSession<AdapterData>
    const out = await route[2](
      session,
      inputOf(ctx.url, ctx.get('x-refresh-token') || undefined, sessions.refresh),
    )
    if ('location' in out) ctx.redirect(out.location)
    ctx.status = out.status
    if ('json' in out) ctx.body = out.json === null ? 'null' : out.json
    else if ('text' in out) ctx.body = out.text
  })
  const callback = app.callback()
  return listen(createServer((req, res) => void callback(req, res)))
}

const startWeb: Start = async (options, trustProxy) => {
  const sessions = createSessions<AdapterData>({ ...options, trustProxy })
  // @hono/node-server hands the Node request over as `env.incoming`: its socket has the peer.
  const fetch = (
    request: Request,
    env?: { incoming?: { socket: { remoteAddress?: string | undefined } } },
  ): Promise<Response> => {
    const ip = env?.incoming?.socket.remoteAddress
    return sessions.handle(
      request,
      async (session) => {
        const path = new URL(request.url).pathname
        const route = ROUTES.find(([m, p]) => m === request.method && p === path)
        if (route === undefined) return new Response('not found', { status: 404 })
        const out = await route[2](
          session,
          inputOf(
            request.url,
            request.headers.get('x-refresh-token') ?? undefined,
            sessions.refresh,
          ),
        )
        if ('location' in out)
          return Response.redirect(new URL(out.location, request.url), out.status)
        if ('json' in out) return Response.json(out.json, { status: out.status })
        return new Response(out.text, { status: out.status })
      },
      ip === undefined ? {} : { ip },
    )
  }
  return listen(createAdaptorServer({ fetch }) as Server)
}

/** Every adapter, by name: starts the test app on 127.0.0.1:0 with the real framework. */
export const ADAPTERS: Readonly<Record<string, Start>> = {
  express: startExpress,
  fastify: startFastify,
  hono: startHono,
  koa: startKoa,
  web: startWeb,
}

/** Starts the test app on `adapter` with a fresh counted memory store. */
export async function startAdapterApp(
  adapter: string,
  options: AppOptions = {},
): Promise<AdapterApp> {
  const store = instrument(createMemoryStore())
  const start = ADAPTERS[adapter] as Start
  const running = await start(
    { carrier: 'server', store, keys: testKeys(), ...options.session } as SessionOptions,
    options.trustProxy === true,
  )
  return { ...running, store }
}
