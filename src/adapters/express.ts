// tessera/express: loads the session before the handlers and puts it on `req.session`; writes
// append their own Set-Cookie; plain assignments are committed before the response leaves.
import express, { type Request, type RequestHandler, type Response } from 'express'
import { TesseraError } from '../errors.js'
import type { SessionManager } from '../session/manager.js'
import { createSessionManager } from '../session/manager.js'
import type {
  CommittableSession,
  RequestSession,
  ResponseSink,
  SessionData,
} from '../session/request-session.js'
import type { Session } from '../session/session.js'
import {
  adapterCaller,
  deferSession,
  hasSession,
  slotOnHeaders,
  HeaderView,
  nodeHeader,
  sessionsApi,
  type SessionOptions,
  type SessionsApi,
} from './core.js'
import { guardRequestSession, holdUntilCommitted } from './express-hold.js'
import { toHttpError } from './http-status.js'

export type * from './public-types.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /**
       * The session of this request, from tessera's `session()` middleware, which must be mounted
       * before the routes (`app.use(session(...))` first): read before it ran, it throws
       * `ERR_SESSION_NOT_MOUNTED`.
       */
      session: RequestSession<SessionData>
    }
  }
}

/** Options of `session()`: the manager's options plus what only HTTP has. */
export type ExpressSessionOptions<Data extends object = SessionData> = SessionOptions<Data>

/**
 * The middleware, plus a typed accessor for apps that pass `Data` instead of augmenting, and
 * `refresh` for API clients of the token carrier.
 */
export type SessionMiddleware<Data extends object = SessionData> = RequestHandler &
  SessionsApi & {
    /** `req.session`, typed with this middleware's `Data`. */
    of(req: Request): RequestSession<Data>
  }

/**
 * The session middleware. Mount it before the routes; honours Express's `trust proxy` for
 * `req.secure` (Secure cookie and `__Host-` prefix over HTTPS).
 *
 * @example
 * app.use(session({ carrier: 'server', keys: [{ id: '2026-11', key: env.SESSION_KEY }], store }))
 */
export function session<Data extends object = SessionData>(
  options: ExpressSessionOptions<Data>,
): SessionMiddleware<Data> {
  const manager = createSessionManager<Data>(options, adapterCaller('session()'))
  const clearSiteData = options.clearSiteDataOnLogout === true
  // No promise unless the store must be waited for (stores/sync.ts), and no hold on the response
  // unless the session may have something to commit (ExpressExchange.holdForCommit).
  const middleware: RequestHandler = function tesseraSession(req, res, next) {
    // Without a cookie or credentials there is nothing to load: the session opens (synchronously,
    // no store) when a route first reads `req.session`, and a route that never does pays nothing.
    if (req.headers.cookie === undefined && req.headers.authorization === undefined) {
      deferSession(slotOnHeaders(req), () => {
        const exchange = new ExpressExchange(req, res, clearSiteData, next)
        return manager.openNow(exchange, exchange)
      })
      return next()
    }
    const exchange = new ExpressExchange(req, res, clearSiteData, next)
    let opened: Session<Data> | Promise<Session<Data>>
    try {
      opened = manager.openNow(exchange, exchange)
    } catch (err) {
      next(toHttpError(err))
      return
    }
    if (opened instanceof Promise) {
      opened.then(
        (later) => {
          req.session = later as unknown as RequestSession<SessionData>
          next()
        },
        (err: unknown) => next(toHttpError(err)),
      )
      return
    }
    req.session = opened as unknown as RequestSession<SessionData>
    next()
  }
  guardRequestSession(express.request, middleware)
  return Object.assign(middleware, sessionsApi(manager as SessionManager<object>), {
    of: (req: Request) => req.session as unknown as RequestSession<Data>,
  })
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Checks the per-session CSRF token (body field `_csrf` or header `x-csrf-token`) on
 * POST/PUT/PATCH/DELETE; answers 403 through the error path when it is missing or wrong. Mount
 * after `session()` and a body parser.
 */
export function csrf(): RequestHandler {
  return function tesseraCsrf(req, _res, next) {
    if (!UNSAFE.has(req.method)) return next()
    if (!hasSession(slotOnHeaders(req))) {
      return next(new TesseraError('ERR_CONFIG_INVALID', 'csrf() must be mounted after session()'))
    }
    const body = req.body as { _csrf?: unknown } | undefined
    const token = body?._csrf ?? req.headers['x-csrf-token']
    if (req.session.verifyCsrfToken(token)) return next()
    next(toHttpError(new TesseraError('ERR_CSRF_REJECTED', csrfRefusal(body, token))))
  }
}

/** Why csrf() refused: the message the 403's `cause` carries, for the developer's logs. */
function csrfRefusal(body: unknown, token: unknown): string {
  if (token !== undefined) return 'CSRF token wrong (not issued for this session)'
  if (body === undefined) {
    return (
      'CSRF token not found: the form token (_csrf) was not found because req.body is ' +
      'undefined, so no body parser ran; mount express.urlencoded() (or express.json()) before ' +
      'csrf(), or send the token in the x-csrf-token header'
    )
  }
  return 'CSRF token missing: no _csrf field in the body and no x-csrf-token header'
}

// Express's `req.secure`, `req.host` and `req.ip` getters consult the `trust proxy` setting and
// the X-Forwarded-* headers: 30 k instructions a request (5 % of a signed-in GET /profile) for
// `secure` and `host` alone. Without the header they read, each one's answer is the socket's or the
// Host header's whatever `trust proxy` says, so the exchange reads those directly, unless the app
// replaced one of the getters (on its `app.request`), which is then honoured.
// (`secure` is `protocol === 'https'`, so an app's own `protocol` counts too.)
const GETTERS = ['secure', 'protocol', 'host', 'ip'] as const
const expressGetters = GETTERS.map((name) => Object.getOwnPropertyDescriptor(express.request, name))
/** Per request prototype (one per app): true when it inherits Express's own getters. */
const inheritsGetters = new WeakMap<object, boolean>()

/**
 * True when Express's getter would answer from the socket or the Host header alone: the request
 * lacks `forwardedHeader` and its app keeps Express's getters.
 */
function readsDirectly(req: Request, forwardedHeader: string): boolean {
  if (req.headers[forwardedHeader] !== undefined) return false
  const proto = Object.getPrototypeOf(req) as object | null
  if (proto === null) return false
  let known = inheritsGetters.get(proto)
  if (known === undefined) {
    known = GETTERS.every((name, i) => {
      let holder: object | null = proto
      while (holder !== null && !Object.hasOwn(holder, name)) {
        holder = Object.getPrototypeOf(holder) as object | null
      }
      const found = holder === null ? undefined : Object.getOwnPropertyDescriptor(holder, name)
      return found !== undefined && found.get === expressGetters[i]?.get
    })
    inheritsGetters.set(proto, known)
  }
  return known
}

/**
 * One request as the manager sees it: its headers (read when asked; `secure`, `host` and `ip`
 * cost Express a proxy walk each, so each is read once) and the response sink. One object
 * instead of two per request.
 */
class ExpressExchange extends HeaderView implements ResponseSink {
  readonly #req: Request
  readonly #res: Response
  readonly #clearSiteData: boolean
  readonly #next: (err: unknown) => void
  #secure: boolean | undefined = undefined
  #host: string | undefined | null = null
  constructor(req: Request, res: Response, clearSiteData: boolean, next: (err: unknown) => void) {
    super(req.method, req.headers.cookie)
    this.#req = req
    this.#res = res
    this.#clearSiteData = clearSiteData
    this.#next = next
  }
  protected header(name: string): string | undefined {
    return nodeHeader(this.#req.headers, name)
  }
  get secure(): boolean {
    if (this.#secure === undefined) {
      const req = this.#req
      this.#secure = readsDirectly(req, 'x-forwarded-proto')
        ? (req.socket as { encrypted?: boolean } | null)?.encrypted === true
        : req.secure
    }
    return this.#secure
  }
  get host(): string | undefined {
    if (this.#host === null) {
      const req = this.#req
      this.#host = readsDirectly(req, 'x-forwarded-host') ? req.headers.host || undefined : req.host
    }
    return this.#host
  }
  get ip(): string | undefined {
    const req = this.#req
    return readsDirectly(req, 'x-forwarded-for')
      ? (req.socket as { remoteAddress?: string } | null)?.remoteAddress
      : req.ip
  }
  setCookies(values: readonly string[]): void {
    if (this.#res.headersSent) {
      throw new TesseraError('ERR_COOKIE_INVALID', 'session cookie not sent: headers already sent')
    }
    // What `res.append` does, without Express's `get`, `set` and `map(String)` on every login:
    // the values are strings already, and earlier Set-Cookie values are kept before them.
    const earlier = this.#res.getHeader('set-cookie')
    this.#res.setHeader(
      'Set-Cookie',
      earlier === undefined
        ? values.slice()
        : (Array.isArray(earlier) ? earlier : [String(earlier)]).concat(values),
    )
  }
  authenticated(): void {
    // CK-9: a signed-in page must not be kept by a shared or back-button cache.
    if (!this.#res.headersSent) this.#res.setHeader('Cache-Control', 'no-store')
  }
  presentError(err: unknown): unknown {
    return toHttpError(err)
  }
  loggedOut(): void {
    if (this.#clearSiteData && !this.#res.headersSent) {
      this.#res.setHeader('Clear-Site-Data', '"cookies"')
    }
  }
  holdForCommit(session: CommittableSession): void {
    holdUntilCommitted(this.#res, session, this.#next)
  }
}
