// tessera-session/hono: Hono middleware. The session is `c.get('session')`, typed through Hono's
// `Variables` (`new Hono<SessionEnv>()`); the response leaves after the session's write is
// committed, with its cookies added. Refusals, outages and a failed commit are thrown as a
// `TesseraError` that Hono's default handler answers like an `HTTPException`; `onError` sees it.
import type { MiddlewareHandler } from 'hono'
import { isTesseraError } from '../errors.js'
import type { RequestSession, SessionData } from '../session/request-session.js'
import {
  adapterCaller,
  createAdapterSessions,
  FetchRequestView,
  type OpenedSession,
  type SessionOptions,
  type SessionsApi,
} from './core.js'
import { toHttpError } from './http-status.js'

export type * from './public-types.js'

/**
 * The `Variables` the middleware sets; `SessionEnv` is an app's `Env` with only them.
 *
 * @example
 * const app = new Hono<{ Bindings: Env; Variables: SessionVariables & { requestId: string } }>()
 */
export interface SessionVariables<Data extends object = SessionData> {
  session: RequestSession<Data>
}

/**
 * Hono's `Env` for an app that uses the middleware.
 *
 * @example
 * const app = new Hono<SessionEnv>()
 * app.get('/', (c) => c.text(c.get('session').userId ?? 'anonymous'))
 */
export interface SessionEnv<Data extends object = SessionData> {
  Variables: SessionVariables<Data>
}

/**
 * Options of the middleware: every adapter's options plus how to tell an HTTPS request.
 *
 * @example
 * app.use(session({ carrier: 'server', keys, store, trustProxy: true }))
 */
export type HonoSessionOptions<Data extends object = SessionData> = SessionOptions<Data> & {
  /**
   * Believe the first `X-Forwarded-Proto` for "is this request HTTPS", and the first
   * `X-Forwarded-For` address for the client's (only behind a proxy that overwrites both).
   * Default false: the request URL's scheme decides, and the client address is the peer's.
   */
  readonly trustProxy?: boolean
}

/**
 * The session middleware. Mount it before the routes; `refresh(token)` on it serves API
 * clients of the token carrier.
 *
 * @example
 * const app = new Hono<SessionEnv>()
 * app.use(session({ carrier: 'server', keys, store }))
 * app.get('/profile', (c) => c.json({ user: c.get('session').userId }))
 */
export function session<Data extends object = SessionData>(
  options: HonoSessionOptions<Data>,
): MiddlewareHandler<SessionEnv<Data>> & SessionsApi {
  const sessions = createAdapterSessions<Data>(options, adapterCaller('session()', true))
  const trustProxy = options.trustProxy === true
  const middleware: MiddlewareHandler<SessionEnv<Data>> = async (c, next) => {
    let opened: OpenedSession<Data>
    try {
      const peer = () => peerAddress(c.env, c.req.raw)
      const openNow = sessions.openNow(new FetchRequestView(c.req.raw, trustProxy, peer))
      opened = openNow instanceof Promise ? await openNow : openNow
    } catch (err) {
      throw honoError(err)
    }
    c.set('session', opened.session)
    await next()
    // A handler's error reached `onError` inside `next()`: nothing it left half-done is committed.
    try {
      const finishing = opened.finishNow(c.error === undefined ? c.res.status : 500)
      if (finishing !== undefined) await finishing
    } catch (err) {
      throw honoError(err)
    }
    // Assigning `c.res` makes Hono re-wrap the body as a stream: only for a copy (immutable headers).
    const res = opened.withHeaders(c.res)
    if (res !== c.res) c.res = res
  }
  return Object.assign(middleware, { refresh: sessions.refresh, ready: sessions.ready })
}

/**
 * The peer's address where the runtime tells it: `@hono/node-server` (the Node socket), Bun (the
 * server's `requestIP`) and Deno (`Deno.serve`'s handler info); undefined elsewhere.
 */
function peerAddress(env: unknown, request: Request): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const e = env as {
    incoming?: { socket?: { remoteAddress?: unknown } }
    requestIP?: unknown
    remoteAddr?: { hostname?: unknown }
  }
  const address =
    e.incoming?.socket?.remoteAddress ??
    (typeof e.requestIP === 'function'
      ? (e.requestIP(request) as { address?: unknown } | null)?.address
      : undefined) ??
    e.remoteAddr?.hostname
  return typeof address === 'string' && address !== '' ? address : undefined
}

/**
 * tessera's errors as they are (a `TesseraError` with its HTTP `status` and public message, the
 * original as `cause`), with Hono's `getResponse()`: `app.onError` gets the `TesseraError`, and
 * Hono's default handler answers it like an `HTTPException` (503 for the store).
 */
function honoError(err: unknown): unknown {
  const out = toHttpError(err)
  if (!isTesseraError(out)) return out
  const status = (out as { status?: number }).status ?? 500
  const getResponse = () =>
    new Response(out.message, {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    })
  return Object.assign(out, { getResponse })
}
