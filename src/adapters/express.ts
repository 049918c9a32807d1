// tessera/express: loads the session before the handlers and puts it on `req.session`; writes
// append their own Set-Cookie; plain assignments are committed before the response leaves.
import type { Request, RequestHandler, Response } from 'express'
import { TesseraError } from '../errors.js'
import type { ManagerRequest, SessionManagerOptions } from '../session/manager.js'
import { createSessionManager } from '../session/manager.js'
import type { RequestSession, ResponseSink, SessionData } from '../session/request-session.js'
import type { Session } from '../session/session.js'
import { toHttpError } from './http-status.js'

export type {
  RequestSession,
  SessionData,
  SessionInfo,
  SessionEvent,
} from '../session/request-session.js'
export type { KeyInput, Keyring } from '../crypto/keyring.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /** The session of this request, from tessera's `session()` middleware. */
      session: RequestSession<SessionData>
    }
  }
}

declare const DATA: unique symbol

/** Options of `session()`: the manager's options plus what only HTTP has. */
export type ExpressSessionOptions<Data extends object = SessionData> = SessionManagerOptions & {
  /** Send `Clear-Site-Data: "cookies"` on logout (clears every cookie of the origin). Default false. */
  readonly clearSiteDataOnLogout?: boolean
  /** Type-only (never set): ties the options to the session data type. */
  readonly [DATA]?: Data
}

/** The middleware, plus a typed accessor for apps that pass `Data` instead of augmenting. */
export type SessionMiddleware<Data extends object = SessionData> = RequestHandler & {
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
  const manager = createSessionManager<Data>(options)
  const clearSiteData = options.clearSiteDataOnLogout === true
  const middleware: RequestHandler = async function tesseraSession(req, res, next) {
    let opened: Session<Data>
    try {
      opened = await manager.open(requestOf(req), new ExpressSink(res, clearSiteData))
    } catch (err) {
      next(toHttpError(err))
      return
    }
    req.session = opened as unknown as RequestSession<SessionData>
    holdUntilCommitted(res, opened as unknown as Session<object>)
    next()
  }
  return Object.assign(middleware, {
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
    if (req.session === undefined) {
      return next(new TesseraError('ERR_CONFIG_INVALID', 'csrf() must be mounted after session()'))
    }
    const body = req.body as { _csrf?: unknown } | undefined
    const token = body?._csrf ?? req.headers['x-csrf-token']
    if (req.session.verifyCsrfToken(token)) return next()
    next(toHttpError(new TesseraError('ERR_CSRF_REJECTED', 'CSRF token missing or wrong')))
  }
}

function requestOf(req: Request): ManagerRequest {
  const h = req.headers
  return {
    cookieHeader: h.cookie,
    secure: req.secure,
    ip: req.ip,
    userAgent: h['user-agent'],
    method: req.method,
    origin: h.origin,
    secFetchSite: h['sec-fetch-site'] as string | undefined,
    referer: h.referer,
    host: UNSAFE.has(req.method) ? req.host : undefined,
  }
}

class ExpressSink implements ResponseSink {
  readonly #res: Response
  readonly #clearSiteData: boolean
  constructor(res: Response, clearSiteData: boolean) {
    this.#res = res
    this.#clearSiteData = clearSiteData
  }
  setCookies(values: readonly string[]): void {
    if (this.#res.headersSent) {
      throw new TesseraError('ERR_COOKIE_INVALID', 'session cookie not sent: headers already sent')
    }
    this.#res.append('Set-Cookie', values as string[])
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
}

// Holding the response. A plain assignment (`req.session.data.x = 1`) has no await of its own,
// so it is committed here, after the handler ran and before the client sees the response: a
// redirect right after a write cannot race the write, and a failed write becomes a 503 instead
// of a success the server did not keep. This is the only code in tessera that delays `res.end`;
// it holds the first `write`/`end` only while the session has something to write.
const HOLD = Symbol('tessera.hold')
type Call = [fn: (...args: unknown[]) => unknown, args: unknown[]]
interface Hold {
  readonly session: Session<object>
  readonly write: (...args: unknown[]) => unknown
  readonly end: (...args: unknown[]) => unknown
  queue: Call[] | null
}
type HeldResponse = Response & { [HOLD]: Hold }

function holdUntilCommitted(res: Response, session: Session<object>): void {
  const held = res as HeldResponse
  held[HOLD] = { session, write: res.write, end: res.end, queue: null } as Hold
  res.write = heldWrite as Response['write']
  res.end = heldEnd as Response['end']
}

function heldWrite(this: HeldResponse, ...args: unknown[]): boolean {
  const hold = this[HOLD]
  if (hold.queue !== null) return hold.queue.push([hold.write, args]) > 0
  if (this.headersSent || !hold.session.needsCommit())
    return hold.write.apply(this, args) as boolean
  commitThenRelease(this, hold, [hold.write, args])
  return true
}

function heldEnd(this: HeldResponse, ...args: unknown[]): HeldResponse {
  const hold = this[HOLD]
  if (hold.queue !== null) {
    hold.queue.push([hold.end, args])
  } else if (this.statusCode >= 500) {
    hold.session.discardPending() // an error response commits nothing the handler left half-done
    hold.end.apply(this, args)
  } else if (hold.session.needsCommit()) {
    commitThenRelease(this, hold, [hold.end, args])
  } else {
    hold.end.apply(this, args)
  }
  return this
}

function commitThenRelease(res: HeldResponse, hold: Hold, first: Call): void {
  hold.queue = [first]
  hold.session.commit(!res.headersSent).then(
    () => {
      const queue = hold.queue ?? []
      hold.queue = null
      for (const [fn, args] of queue) fn.apply(res, args)
    },
    (err: unknown) => {
      hold.queue = null
      // Streaming already began: cut the connection so the client cannot take it for success.
      if (res.headersSent) return void res.destroy()
      const error = toHttpError(err) as { status?: number; message: string }
      for (const name of res.getHeaderNames()) res.removeHeader(name)
      res.statusCode = error.status ?? 500
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.setHeader('Cache-Control', 'no-store')
      hold.end.call(res, error.status === undefined ? 'Internal Server Error' : error.message)
    },
  )
}
