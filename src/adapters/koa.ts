// tessera-session/koa: Koa middleware. The session is `ctx.session`; the response (sent by Koa
// after the middleware returns) leaves after the session's write is committed, with its cookies.
// Refusals and outages are thrown with `status` and `expose`, so Koa's error path answers them.
import type { Middleware } from 'koa'
// @ts-expect-error -- koa ships its shared context prototype (lib/context.js) without types
import koaContext from 'koa/lib/context.js'
import type { RequestSession, SessionData } from '../session/request-session.js'
import {
  adapterCaller,
  createAdapterSessions,
  guardSessionReads,
  isSessionMiddleware,
  NodeRequestView,
  slotOnSelf,
  type SessionOptions,
  type SessionsApi,
} from './core.js'

export type * from './public-types.js'

declare module 'koa' {
  interface DefaultContext {
    /**
     * The session of this request, from tessera's `session()` middleware, which must come before
     * the middleware that reads it: read before it ran, it throws `ERR_SESSION_NOT_MOUNTED`.
     */
    session: RequestSession<SessionData>
  }
}

/**
 * Options of the middleware.
 *
 * @example
 * const options: KoaSessionOptions = { carrier: 'server', keys, store, clearSiteDataOnLogout: true }
 */
export type KoaSessionOptions<Data extends object = SessionData> = SessionOptions<Data>

/**
 * The session middleware. Mount it before the routes; `ctx.secure` (with Koa's `app.proxy`)
 * decides the Secure cookie and `__Host-` prefix. `refresh(token)` on it serves API clients of
 * the token carrier.
 *
 * @example
 * app.use(session({ carrier: 'server', keys, store }))
 * app.use((ctx) => { ctx.body = { user: ctx.session.userId } })
 */
export function session<Data extends object = SessionData>(
  options: KoaSessionOptions<Data>,
): Middleware & SessionsApi {
  const sessions = createAdapterSessions<Data>(options, adapterCaller('session()'))
  const middleware: Middleware = async (ctx, next) => {
    // `ctx.secure`, `ctx.ip` and `ctx.host` honour Koa's `app.proxy`.
    const view = new NodeRequestView(ctx.req.headers, ctx.method, ctx.secure, ctx)
    const openNow = sessions.openNow(view)
    const opened = openNow instanceof Promise ? await openNow : openNow
    ctx.session = opened.session as unknown as RequestSession<SessionData>
    await next() // a handler's error passes by: nothing it left half-done is committed
    const finishing = opened.finishNow(ctx.status)
    if (finishing !== undefined) await finishing
    opened.applyTo(
      (name, value) => ctx.set(name, value),
      (value) => ctx.append('Set-Cookie', value),
    )
  }
  guardSessionReads(koaContext as object, middleware, mountedIn, LATE, slotOnSelf)
  return Object.assign(middleware, { refresh: sessions.refresh, ready: sessions.ready })
}

const LATE =
  'ctx.session was read before the session middleware ran for this request: mount ' +
  'app.use(session(...)) before the middleware and routes that read ctx.session'

/** True when the context's app mounts a tessera middleware (`ctx.session` read too early). */
function mountedIn(ctx: object): boolean {
  const stack = (ctx as { app?: { middleware?: unknown } }).app?.middleware
  return Array.isArray(stack) && stack.some((m: object) => isSessionMiddleware(m))
}
