// What every adapter shares: the options, the view of a request the manager reads (cookies,
// `Authorization`, CSRF headers), a sink that keeps the response headers a session asked for
// until the adapter applies them, and the commit at the end of a request. Each framework's file
// only says where these things live in that framework.
import type { IncomingHttpHeaders } from 'node:http'
import {
  createSessionManager,
  type ManagerRequest,
  type OptionsCaller,
  type SessionManager,
  type SessionManagerOptions,
} from '../session/manager.js'
import type {
  RequestSession,
  ResponseSink,
  SessionData,
  TokenResponse,
} from '../session/request-session.js'
import type { Session } from '../session/session.js'
import { TesseraError } from '../errors.js'
import { toHttpError } from './http-status.js'

declare const DATA: unique symbol

/**
 * Options of every adapter: the manager's options plus what only HTTP has.
 *
 * @example
 * const options: SessionOptions = { carrier: 'server', keys, store, clearSiteDataOnLogout: true }
 */
export type SessionOptions<Data extends object = SessionData> = SessionManagerOptions & {
  /** Send `Clear-Site-Data: "cookies"` on logout (clears every cookie of the origin). Default false. */
  readonly clearSiteDataOnLogout?: boolean
  /** Type-only (never set): ties the options to the session data type. */
  readonly [DATA]?: Data
}

/** What every adapter's middleware (or sessions object) offers besides the session itself. */
export interface SessionsApi {
  /**
   * For an API client of the token carrier: exchanges a refresh token for the next tokens (the
   * used one is spent; a reused one revokes its family), or null when it is refused.
   *
   * @example
   * app.post('/token', async (req, res) => {
   *   const tokens = await sessions.refresh(req.body.refresh_token)
   *   tokens === null ? res.status(401).end() : res.json(tokens)
   * })
   */
  refresh(refreshToken: unknown): Promise<TokenResponse | null>
  /**
   * Resolves when sessions can be served: the keys work and the store answers (its `ready()`:
   * connection and tables). Rejects with the `TesseraError` naming what is wrong, for a startup
   * check or a health route; the message names no key, cookie or token.
   *
   * @example
   * app.get('/healthz', async (_req, res) => {
   *   try { await sessions.ready(); res.send('ok') } catch (err) { res.status(503).send(err.code) }
   * })
   */
  ready(): Promise<void>
}

/** The options only the adapters take (besides the manager's), by adapter kind. */
const ADAPTER_OPTIONS = ['clearSiteDataOnLogout']
const FETCH_OPTIONS = [...ADAPTER_OPTIONS, 'trustProxy']
/** For a Node framework, `trustProxy` is the framework's own setting. */
const NODE_HINTS = {
  trustProxy:
    "HTTPS behind a proxy is the framework's setting (Express app.set('trust proxy', 1), Koa app.proxy = true, Fastify({ trustProxy }))",
}

/**
 * The options check of an adapter: `where` names it in errors (`session()`), and `fetch` adds
 * the Fetch-API adapters' `trustProxy`.
 */
export function adapterCaller(where: string, fetch = false): OptionsCaller {
  return fetch
    ? { where, extraKeys: FETCH_OPTIONS }
    : { where, extraKeys: ADAPTER_OPTIONS, hints: NODE_HINTS }
}

/** A request's session as an adapter holds it: the session and the headers it asked for. */
export interface OpenedSession<Data extends object> {
  readonly session: RequestSession<Data>
  /**
   * Ends the session before the response leaves: an error response (`status` ≥ 500) keeps
   * nothing the handler left half-done; otherwise pending assignments (or a due touch) are
   * committed. A failed write is thrown with its HTTP status (503 for the store). Returns
   * nothing when it is done already (a store that answers at once), else a promise.
   */
  finishNow(status: number): void | Promise<void>
  /**
   * `response` with the session's headers added (Fetch API: Hono, `web`); a copy when its headers
   * are immutable (`Response.redirect`).
   */
  withHeaders(response: Response): Response
  /** Adds the session's headers through the framework's setters (cookies one by one). */
  applyTo(
    setHeader: (name: string, value: string) => void,
    appendCookie: (value: string) => void,
  ): void
}

/** The manager as the buffered adapters (Fastify, Hono, Koa, web) use it. */
export interface AdapterSessions<Data extends object> extends SessionsApi {
  readonly manager: SessionManager<Data>
  /**
   * Opens the request's session, without a promise when it is there at once (no cookie, a
   * memory store); a refusal (403) or outage (503) is thrown with its status.
   */
  openNow(view: ManagerRequest): OpenedSession<Data> | Promise<OpenedSession<Data>>
}

/** Creates the manager (checking every option) and what an adapter calls per request. */
export function createAdapterSessions<Data extends object>(
  options: SessionOptions<Data>,
  caller: OptionsCaller,
): AdapterSessions<Data> {
  const manager = createSessionManager<Data>(options, caller)
  const clearOnLogout = options.clearSiteDataOnLogout === true
  function openNow(view: ManagerRequest): OpenedSession<Data> | Promise<OpenedSession<Data>> {
    const opened = new OpenedRequest<Data>(clearOnLogout)
    let session: Session<Data> | Promise<Session<Data>>
    try {
      session = manager.openNow(view, opened)
    } catch (err) {
      return rethrowHttp(err)
    }
    if (session instanceof Promise) return session.then((s) => opened.opened(s), rethrowHttp)
    return opened.opened(session)
  }
  return {
    manager,
    ...sessionsApi(manager as unknown as SessionManager<object>),
    openNow,
  }
}

/**
 * The `refresh` of an adapter, failures mapped to HTTP statuses (store down: 503), and `ready`
 * (its rejection as the manager's own error, whose message names what is wrong).
 */
export function sessionsApi(manager: SessionManager<object>): SessionsApi {
  return {
    refresh: (token) => manager.refresh(token).catch(rethrowHttp),
    ready: () => manager.ready(),
  }
}

function rethrowHttp(err: unknown): never {
  throw toHttpError(err)
}

/** The request headers the manager reads, whatever the framework keeps them in. */
export abstract class HeaderView implements ManagerRequest {
  readonly cookieHeader: string | undefined
  readonly method: string
  constructor(method: string, cookieHeader: string | undefined) {
    this.method = method
    this.cookieHeader = cookieHeader
  }
  abstract readonly secure: boolean
  protected abstract header(name: string): string | undefined
  abstract readonly ip: string | undefined
  abstract readonly host: string | undefined
  get authorization(): string | undefined {
    return this.header('authorization')
  }
  get userAgent(): string | undefined {
    return this.header('user-agent')
  }
  get origin(): string | undefined {
    return this.header('origin')
  }
  get secFetchSite(): string | undefined {
    return this.header('sec-fetch-site')
  }
  get referer(): string | undefined {
    return this.header('referer')
  }
}

/** A header of Node's `IncomingMessage`, repeated values joined. */
export function nodeHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Where a Node framework keeps the client address and host (after its proxy settings). */
export interface NodeRequestFacts {
  readonly ip: string | undefined
  readonly host: string | undefined
}

/**
 * A view over Node's `IncomingMessage` headers (Express, Fastify, Koa). `facts` is the
 * framework's own request object: its `ip` and `host` honour its proxy settings, and are read
 * only when needed (they cost a proxy walk).
 */
export class NodeRequestView extends HeaderView {
  readonly secure: boolean
  readonly #headers: IncomingHttpHeaders
  readonly #facts: NodeRequestFacts
  #host: string | undefined | false
  constructor(
    headers: IncomingHttpHeaders,
    method: string,
    secure: boolean,
    facts: NodeRequestFacts,
  ) {
    super(method, headers.cookie)
    this.secure = secure
    this.#headers = headers
    this.#facts = facts
    this.#host = false
  }
  protected header(name: string): string | undefined {
    return nodeHeader(this.#headers, name)
  }
  get ip(): string | undefined {
    return this.#facts.ip
  }
  get host(): string | undefined {
    // Read for the plain-HTTP check and the cookie's name: the framework's getter walks its proxy
    // settings each time, so the first answer is kept.
    if (this.#host === false) this.#host = this.#facts.host
    return this.#host
  }
}

/**
 * A view over a Fetch-API `Request` (Hono, the `web` adapter). It is secure when its URL is
 * `https:`, or, with `trustProxy`, when the proxy's `X-Forwarded-Proto` says `https`. Its client
 * address is the peer's (`peer`, read only when a session needs it), or, with `trustProxy`, the
 * first `X-Forwarded-For` address when there is one (as Express, Fastify and Koa take it when they
 * trust every proxy).
 */
export class FetchRequestView extends HeaderView {
  readonly secure: boolean
  readonly #headers: Headers
  readonly #trustProxy: boolean
  readonly #peer: string | undefined | (() => string | undefined)
  constructor(
    request: Request,
    trustProxy: boolean,
    peer: string | undefined | (() => string | undefined),
  ) {
    const headers = request.headers
    super(request.method, headers.get('cookie') ?? undefined)
    this.secure = isSecure(request, trustProxy)
    this.#headers = headers
    this.#trustProxy = trustProxy
    this.#peer = peer
  }
  protected header(name: string): string | undefined {
    return this.#headers.get(name) ?? undefined
  }
  get host(): string | undefined {
    return this.header('host')
  }
  get ip(): string | undefined {
    if (this.#trustProxy) {
      const forwarded = this.#headers.get('x-forwarded-for')?.split(',')[0]?.trim()
      if (forwarded !== undefined && forwarded !== '') return forwarded
    }
    return typeof this.#peer === 'function' ? this.#peer() : this.#peer
  }
}

function isSecure(request: Request, trustProxy: boolean): boolean {
  if (trustProxy) {
    const proto = request.headers.get('x-forwarded-proto')
    if (proto !== null) return proto.split(',')[0]?.trim().toLowerCase() === 'https'
  }
  return request.url.startsWith('https:')
}

/**
 * A sink that keeps the response headers a session asks for until the adapter applies them
 * (`applyTo`), for frameworks whose response is built after the handler returns; once the
 * session is open, it is also what the adapter holds for the request (one object, no closures).
 */
class OpenedRequest<Data extends object> implements ResponseSink, OpenedSession<Data> {
  readonly cookies: string[] = []
  #noStore = false
  #clearSiteData = false
  readonly #clearOnLogout: boolean
  #session: Session<Data> | null = null
  constructor(clearOnLogout: boolean) {
    this.#clearOnLogout = clearOnLogout
  }
  opened(session: Session<Data>): this {
    this.#session = session
    return this
  }
  get session(): RequestSession<Data> {
    return this.#session as unknown as RequestSession<Data>
  }
  finishNow(status: number): void | Promise<void> {
    const session = this.#session as Session<Data>
    if (status >= 500) return session.discardPending()
    if (!session.needsCommit()) return
    let pending: void | Promise<void>
    try {
      pending = session.commitNow(true)
    } catch (err) {
      return rethrowHttp(err)
    }
    return pending === undefined ? undefined : pending.catch(rethrowHttp)
  }
  setCookies(values: readonly string[]): void {
    for (const value of values) this.cookies.push(value)
  }
  authenticated(): void {
    this.#noStore = true // CK-9: a signed-in page must not be kept by a shared or back-button cache.
  }
  loggedOut(): void {
    this.#clearSiteData = this.#clearOnLogout
  }
  presentError(err: unknown): unknown {
    return toHttpError(err)
  }
  withHeaders(response: Response): Response {
    // Nothing to add (an anonymous page) leaves `response.headers` unread: @hono/node-server
    // builds them only when asked.
    if (this.cookies.length === 0 && !this.#noStore && !this.#clearSiteData) return response
    try {
      this.#addTo(response.headers)
      return response
    } catch {
      const copy = new Response(response.body, response) // immutable headers throw on the first change
      this.#addTo(copy.headers)
      return copy
    }
  }
  #addTo(headers: Headers): void {
    for (const cookie of this.cookies) headers.append('set-cookie', cookie)
    if (this.#noStore) headers.set('Cache-Control', 'no-store')
    if (this.#clearSiteData) headers.set('Clear-Site-Data', '"cookies"')
  }
  /** Adds the kept headers through the framework's setters (cookies appended one by one). */
  applyTo(
    setHeader: (name: string, value: string) => void,
    appendCookie: (value: string) => void,
  ): void {
    for (const cookie of this.cookies) appendCookie(cookie)
    if (this.#noStore) setHeader('Cache-Control', 'no-store')
    if (this.#clearSiteData) setHeader('Clear-Site-Data', '"cookies"')
  }
}

// Reading the session where tessera's middleware has not run (it was mounted after the route).
// The framework's shared request (Express) or context (Koa) prototype gets a `session` accessor
// once, which keeps each request's session in one non-enumerable symbol slot of a holder the
// adapter names (`SlotHolder`). Reading it where nothing was put there throws
// ERR_SESSION_NOT_MOUNTED when the request's app mounts a tessera middleware (mounted too late for
// this route), and reads `undefined` as before otherwise: an app of the same process without
// tessera sees no change.
const MIDDLEWARES = new WeakSet<object>()

/** Where the `session` accessor keeps a request's session (set by the middleware or a handler). */
const SESSION_SLOT = Symbol('tessera.session')

/** An object whose session slot the accessor reads and writes. */
export type Slotted = { [SESSION_SLOT]?: unknown }

/**
 * Where a request keeps its session slot. Koa's context is a plain object: the slot is on it.
 * Express swaps its request's prototype, which makes every property added to the request cost
 * microseconds, so its slot is on `req.headers`, Node's own plain object; a WeakMap keyed by the
 * request instead costs the young-generation collector an ephemeron per request (5 % of a request
 * that never reads its session).
 */
export type SlotHolder = (self: object) => Slotted

/** The request (or context) itself holds the slot. */
export const slotOnSelf: SlotHolder = (self) => self as Slotted

/** A Node request's `headers` hold the slot (the request itself when it has none). */
export const slotOnHeaders: SlotHolder = (req) =>
  ((req as { headers?: object }).headers ?? req) as Slotted

/**
 * A session that opens when first read: a request without credentials whose route never reads
 * the session costs this and its closure, not a session and a view of its headers.
 */
class DeferredOpen {
  readonly open: () => unknown
  constructor(open: () => unknown) {
    this.open = open
  }
}

/**
 * Opens the session held by `holder` when it is first read through the accessor
 * `guardSessionReads` installs; `open` must answer synchronously.
 */
export function deferSession(holder: Slotted, open: () => unknown): void {
  putSlot(holder, new DeferredOpen(open))
}

/** True when the session middleware ran: the session is there or will open when read. */
export function hasSession(holder: Slotted): boolean {
  return holder[SESSION_SLOT] !== undefined
}

/** True for a middleware a tessera `session()` returned. */
export function isSessionMiddleware(value: object): boolean {
  return MIDDLEWARES.has(value)
}

/**
 * Records `middleware` as tessera's, and installs (once per prototype) the accessor that keeps
 * the session where `holderOf` says and throws `ERR_SESSION_NOT_MOUNTED` (`message` says what to
 * do) when nothing is there and `mountedLate(self)`.
 */
export function guardSessionReads(
  proto: object,
  middleware: object,
  mountedLate: (self: object) => boolean,
  message: string,
  holderOf: SlotHolder,
): void {
  MIDDLEWARES.add(middleware)
  if (Object.hasOwn(proto, 'session')) return
  Object.defineProperty(proto, 'session', {
    configurable: true,
    enumerable: false,
    get(this: object): unknown {
      const holder = holderOf(this)
      const value = holder[SESSION_SLOT]
      if (value instanceof DeferredOpen) return putSlot(holder, value.open())
      if (value !== undefined) return value
      if (mountedLate(this)) throw new TesseraError('ERR_SESSION_NOT_MOUNTED', message)
      return undefined
    },
    set(this: object, value: unknown) {
      putSlot(holderOf(this), value)
    },
  })
}

/** Stores `value` in `holder`'s session slot, not enumerable (logging `req.headers` stays clean). */
function putSlot(holder: Slotted, value: unknown): unknown {
  if (Object.hasOwn(holder, SESSION_SLOT)) holder[SESSION_SLOT] = value
  else Object.defineProperty(holder, SESSION_SLOT, { value, writable: true, configurable: true })
  return value
}
