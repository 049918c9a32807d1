// tessera-session/web: sessions for anything that speaks Fetch-API Request/Response (Next.js
// route handlers, Bun, Deno, @hono/node-server, a plain node:http bridge). The handler gets the
// session; the Response it returns leaves only after the session's write is committed, with the
// session's cookies added.
import type { RequestSession, SessionData } from '../session/request-session.js'
import {
  adapterCaller,
  createAdapterSessions,
  FetchRequestView,
  type SessionOptions,
  type SessionsApi,
} from './core.js'
import { isTesseraError } from '../errors.js'
import { httpStatusOf, publicMessageOf } from './http-status.js'

export type * from './public-types.js'

/**
 * Options of `createSessions`: every adapter's options plus how to tell an HTTPS request.
 *
 * @example
 * const sessions = createSessions({ carrier: 'token', keys, store, trustProxy: true })
 */
export type WebSessionOptions<Data extends object = SessionData> = SessionOptions<Data> & {
  /**
   * Believe the first `X-Forwarded-Proto` for "is this request HTTPS", and the first
   * `X-Forwarded-For` address for the client's (set it only behind a proxy that overwrites both).
   * Default false: the request URL's scheme decides, and the client address is `context.ip`.
   */
  readonly trustProxy?: boolean
}

/**
 * The sessions object of `createSessions`.
 *
 * @example
 * const sessions: WebSessions = createSessions({ carrier: 'server', keys, store })
 */
export interface WebSessions<Data extends object = SessionData> extends SessionsApi {
  /**
   * Runs `handler` with the request's session and returns its Response with the session's
   * cookies added. A refused cross-site request is answered 403 and a store outage 503 without
   * calling the handler; a write that fails after it is answered 503 instead of its Response.
   */
  handle(
    request: Request,
    handler: (session: RequestSession<Data>) => Response | Promise<Response>,
    context?: { readonly ip?: string },
  ): Promise<Response>
}

/**
 * Sessions for Fetch-API servers. `context.ip` (optional) is the peer's address, where the
 * runtime knows it (`@hono/node-server`: `env.incoming.socket.remoteAddress`; Bun:
 * `server.requestIP(request)?.address`); it is recorded with the session ("your devices"). With
 * `trustProxy`, the first `X-Forwarded-For` address is taken instead when the request has one.
 *
 * @example
 * const sessions = createSessions({ carrier: 'server', keys, store })
 * export const GET = (request: Request) =>
 *   sessions.handle(request, async (session) => Response.json({ user: session.userId }))
 */
export function createSessions<Data extends object = SessionData>(
  options: WebSessionOptions<Data>,
): WebSessions<Data> {
  const sessions = createAdapterSessions<Data>(options, adapterCaller('createSessions()', true))
  const trustProxy = options.trustProxy === true
  return {
    refresh: sessions.refresh,
    ready: sessions.ready,
    async handle(request, handler, context) {
      let response: Response
      let opened
      try {
        const openNow = sessions.openNow(new FetchRequestView(request, trustProxy, context?.ip))
        opened = openNow instanceof Promise ? await openNow : openNow
        response = await handler(opened.session)
        const finishing = opened.finishNow(response.status)
        if (finishing !== undefined) await finishing
      } catch (err) {
        if (!isTesseraError(err)) throw err // the handler's own error: the runtime's to answer
        const status = httpStatusOf(err.code)
        return new Response(publicMessageOf(status), {
          status,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        })
      }
      return opened.withHeaders(response)
    },
  }
}
