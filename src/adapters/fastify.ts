// tessera-session/fastify: a Fastify plugin (encapsulation skipped, so every route of the app
// sees it). `onRequest` opens the session on `request.session`; `onSend` commits what the
// handler left pending before the reply leaves and adds the session's headers. Refusals and
// outages are thrown with `statusCode`, so they reach the app's own error handler.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { RequestSession, SessionData } from '../session/request-session.js'
import {
  adapterCaller,
  createAdapterSessions,
  NodeRequestView,
  type OpenedSession,
  type SessionOptions,
  type SessionsApi,
} from './core.js'

export type * from './public-types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The session of this request, from tessera's plugin. */
    session: RequestSession<SessionData>
  }
  interface FastifyInstance {
    /**
     * From tessera's plugin: `refresh` for API clients of the token carrier, and `ready()`, which
     * checks the keys and the store (for a health route).
     */
    tessera: SessionsApi
  }
}

/**
 * Options of the plugin (`app.register(session, options)`).
 *
 * @example
 * const options: FastifySessionOptions = { carrier: 'server', keys, store }
 */
export type FastifySessionOptions = SessionOptions<SessionData>

const OPEN = Symbol('tessera.open')
type Held = FastifyRequest & { [OPEN]?: OpenedSession<SessionData> | null }

const REGISTER = 'app.register(session, options)'

const plugin: FastifyPluginAsync<FastifySessionOptions> = async (app, options) => {
  const sessions = createAdapterSessions<SessionData>(options, adapterCaller(REGISTER))
  app.decorate('tessera', { refresh: sessions.refresh, ready: sessions.ready })
  app.decorateRequest('session', null as unknown as RequestSession<SessionData>)
  app.decorateRequest(OPEN as unknown as string, null)

  // Callback hooks, not async ones: with a store that answers at once (memory, SQLite reads) a
  // request opens and commits its session without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    let opened: OpenedSession<SessionData> | Promise<OpenedSession<SessionData>>
    try {
      // `protocol` and `ip`/`host` honour Fastify's `trustProxy`.
      const secure = request.protocol === 'https'
      opened = sessions.openNow(
        new NodeRequestView(request.headers, request.method, secure, request),
      )
    } catch (err) {
      return done(err as Error)
    }
    if (!(opened instanceof Promise)) {
      hold(request, opened)
      return done()
    }
    opened.then((later) => {
      hold(request, later)
      done()
    }, done)
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    const open = (request as Held)[OPEN]
    if (open == null) return done(null, payload)
    ;(request as Held)[OPEN] = null // the error handler's reply passes here again
    const send = (): void => {
      open.applyTo(
        (name, value) => void reply.header(name, value),
        (value) => void reply.header('set-cookie', value),
      )
      done(null, payload)
    }
    let pending: void | Promise<void>
    try {
      pending = open.finishNow(reply.statusCode)
    } catch (err) {
      return done(err as Error)
    }
    if (pending === undefined) return send()
    pending.then(send, done)
  })
}

function hold(request: FastifyRequest, opened: OpenedSession<SessionData>): void {
  request.session = opened.session
  ;(request as Held)[OPEN] = opened
}

/**
 * The session plugin. Register it before the routes; `request.protocol` (with Fastify's
 * `trustProxy`) decides the Secure cookie and `__Host-` prefix. `app.tessera.refresh(token)`
 * serves API clients of the token carrier.
 *
 * @example
 * await app.register(session, { carrier: 'server', keys, store })
 * app.get('/profile', async (request) => ({ user: request.session.userId }))
 */
export const session = fp(plugin, { fastify: '5.x', name: 'tessera-session' })
export default session
