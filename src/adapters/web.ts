// tessera-session/web: sessions for anything that speaks Fetch-API Request/Response (Next.js
// route handlers, Bun, Deno, @hono/node-server, a plain node:http bridge). The handler gets the
// session; the Response it returns leaves only after the session's write is committed, with the
// session's cookies added.
import { createSessionManager } from '../session/manager.js'
import type { RequestSession, SessionData } from '../session/request-session.js'
import type { Session } from '../session/session.js'
import {
  BufferedSink,
  FetchRequestView,
  openSession,
  sessionsApi,
  settle,
  type SessionOptions,
  type SessionsApi,
} from './core.js'
import { isTesseraError } from '../errors.js'
import { httpStatusOf, publicMessageOf } from './http-status.js'

export type {
  RequestSession,
  SessionData,
  SessionInfo,
  SessionEvent,
  TokenResponse,
} from '../session/request-session.js'
export type { KeyInput, Keyring } from '../crypto/keyring.js'
export type { SessionOptions, SessionsApi } from './core.js'

/** Options of `createSessions`: every adapter's options plus how to tell an HTTPS request. */
export type WebSessionOptions<Data extends object = SessionData> = SessionOptions<Data> & {
  /**
   * Believe the first `X-Forwarded-Proto` for "is this request HTTPS" (set it only behind a
   * proxy that overwrites that header). Default false: the request URL's scheme decides.
   */
  readonly trustProxy?: boolean
}

/** The sessions object of `createSessions`. */
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
 * Sessions for Fetch-API servers. `context.ip` (optional) is the client address for "your
 * devices", where the runtime knows it.
 *
 * @example
 * const sessions = createSessions({ carrier: 'server', keys, store })
 * export const GET = (request: Request) =>
 *   sessions.handle(request, async (session) => Response.json({ user: session.userId }))
 */
export function createSessions<Data extends object = SessionData>(
  options: WebSessionOptions<Data>,
): WebSessions<Data> {
  const manager = createSessionManager<Data>(options)
  const trustProxy = options.trustProxy === true
  return {
    ...sessionsApi(manager),
    async handle(request, handler, context) {
      const sink = new BufferedSink(options)
      const view = new FetchRequestView(request, trustProxy, context?.ip)
      let session: Session<Data>
      let response: Response
      try {
        session = await openSession(manager, view, sink)
        response = await handler(session)
        await settle(session as unknown as Session<object>, response.status)
      } catch (err) {
        if (!isTesseraError(err)) throw err // the handler's own error: the runtime's to answer
        const status = httpStatusOf(err.code)
        return new Response(publicMessageOf(status), {
          status,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        })
      }
      return withHeaders(response, sink)
    },
  }
}

/** The Response with the sink's headers; a copy when its headers are immutable (`Response.redirect`). */
function withHeaders(response: Response, sink: BufferedSink): Response {
  const apply = (headers: Headers): void =>
    sink.applyTo(
      (name, value) => headers.set(name, value),
      (value) => headers.append('set-cookie', value),
    )
  try {
    apply(response.headers)
    return response
  } catch {
    const copy = new Response(response.body, response) // immutable headers throw on the first change
    apply(copy.headers)
    return copy
  }
}
