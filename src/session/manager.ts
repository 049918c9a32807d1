// The session manager: the carrier contract of docs/design.md that every carrier shares (lazy
// sessions, login rotation, idle and absolute timeouts enforced here with the manager's clock,
// throttled touch, bounded compare-and-set retries, events). Framework-free: it reads header values
// and hands back Set-Cookie strings through a sink.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Clock } from '../clock.js'
import { sameSiteValue, serializeCookie, type SameSiteInput } from '../cookie/codec.js'
import { toKeyring, type KeyInput, type Keyring } from '../crypto/keyring.js'
import { randomId } from '../crypto/random.js'
import { isTesseraError, TesseraError, type TesseraErrorCode } from '../errors.js'
import {
  invalidOption,
  oneOf,
  positiveInteger,
  positiveNumber,
  rejectUnknown,
  stringOption,
} from '../options.js'
import type { SessionRecord, Store } from '../stores/store.js'
import {
  cookieIdentity,
  isLoopbackHost,
  type Carrier,
  type CarrierCookieOptions,
  type CarrierLoad,
  type CarrierRequest,
} from './carrier.js'
import { checkCsrf, createCsrfTokens, PRE_SESSION_VALUE, type CsrfTokens } from './csrf.js'
import { createCookieCarrier, type CookieCarrierOptions } from './carriers/cookie/cookie-carrier.js'
import { sessionHandleFunction } from './carrier-keys.js'
import { createServerCarrier } from './carriers/server/server-carrier.js'
import { createTokenCarrier, type TokenCarrierOptions } from './carriers/token/token-carrier.js'
import type { ResponseSink, SessionData, SessionEvent, TokenResponse } from './request-session.js'
import { deleteCookie, readCookie, setCookie } from './carrier-cookie.js'
import { Session, tokenResponse, type PreSessionCsrf, type SessionContext } from './session.js'
import { bounded, DEFAULT_STORE_TIMEOUT_SECONDS } from './store-call.js'
import { loginLifetime } from './login-lifetime.js'
import { createWriteChains } from './write-chain.js'

/** The `server` carrier: an opaque id in the cookie, the record in `store`. */
export interface ServerCarrierConfig {
  readonly carrier: 'server'
  readonly store: Store
}

/**
 * The `cookie` carrier: the state sealed (AES-256-GCM) in the cookie. A store is optional: with
 * one, `list`, `revoke` and `logoutEverywhere` work and a revoked cookie is refused within 1 s.
 */
export interface CookieCarrierConfig extends Omit<
  CookieCarrierOptions,
  'keys' | 'cookie' | 'clock' | 'touchIntervalSeconds' | 'storeTimeoutSeconds'
> {
  readonly carrier: 'cookie'
}

/** The `token` carrier: a short-lived JWT plus a rotating refresh token, both in cookies. */
export interface TokenCarrierConfig extends Omit<
  TokenCarrierOptions,
  'keys' | 'cookie' | 'clock' | 'absoluteTimeoutSeconds' | 'storeTimeoutSeconds'
> {
  readonly carrier: 'token'
}

/** Which carrier, and what it needs. */
export type CarrierConfig = ServerCarrierConfig | CookieCarrierConfig | TokenCarrierConfig

/** Options every carrier shares. Durations are seconds; instants epoch milliseconds. */
export interface CommonSessionOptions {
  /** Secrets (≥ 32 bytes each, newest first) for CSRF tokens and session handles. */
  readonly keys: readonly KeyInput[] | Keyring
  /** A session unused this long ends. Default 1800 (30 min). */
  readonly idleTimeoutSeconds?: number
  /** A session ends this long after it was created (login creates one), used or not. Default 43200 (12 h). */
  readonly absoluteTimeoutSeconds?: number
  /** An unchanged session's `lastSeenAt` is written at most this often. Default 60. */
  readonly touchIntervalSeconds?: number
  /**
   * The cookie's base name. Over HTTPS `__Host-` is prepended, or `__Secure-` when
   * `cookieDomain` is set or `cookiePath` is not `/` (which `__Host-` forbids). Default `tessera`.
   */
  readonly cookieName?: string
  /**
   * The cookie's `Domain`, to share it with subdomains (`example.com`). Default none: a
   * host-only cookie, which only then can carry the `__Host-` prefix.
   */
  readonly cookieDomain?: string
  /** The cookie's `Path`; a path other than `/` gives `__Secure-` instead of `__Host-`. Default `/`. */
  readonly cookiePath?: string
  /**
   * The cookie's `SameSite`, in any case: `'lax'` (default), `'strict'` or `'none'` (for a site
   * embedded cross-site; needs `secure: true`). The token carrier's refresh cookie stays Strict.
   */
  readonly cookieSameSite?: SameSiteInput
  /** `Partitioned` (CHIPS), for a session inside a third-party iframe; needs `secure: true`. */
  readonly cookiePartitioned?: boolean
  /** `'auto'` (default): Secure and `__Host-` when the request is HTTPS. */
  readonly secure?: 'auto' | boolean
  /** Makes the cookie persistent for this many seconds (≤ the absolute timeout). Default: none. */
  readonly cookieMaxAgeSeconds?: number
  /** Other exact origins (`https://host[:port]`) allowed to send state-changing requests. */
  readonly allowedOrigins?: readonly string[]
  /** A store call that has not answered after this many seconds fails the request with 503. Default 1. */
  readonly storeTimeoutSeconds?: number
  /**
   * What a request that only reads (GET, HEAD, OPTIONS) gets when the store cannot load its
   * session: `'fail-closed'` (default) answers 503; `'anonymous'` serves it with no session,
   * never as signed in, and refuses any write with `ERR_STORE_UNAVAILABLE`. Other methods always
   * fail closed.
   */
  readonly storeOutage?: StoreOutagePolicy
  /** How many times a write re-runs after losing the version check. Default 10. */
  readonly maxUpdateAttempts?: number
  /**
   * Hears why a presented cookie gave no session (tampered, unknown, expired, cross-site), with
   * the request it came on: its `ip` lets an application notice a client guessing session ids
   * (BF-3) and slow it down.
   */
  readonly onReject?: (code: TesseraErrorCode, request: CarrierRequest) => void
  /** Hears lifecycle events (no secrets in them). */
  readonly onEvent?: (event: SessionEvent) => void
  /** Where the time comes from (`now()` in epoch ms), for tests: `fakeClock()`. Default `Date`. */
  readonly clock?: Clock
}

/** What a read-only request gets while the store is unavailable; see `storeOutage`. */
export type StoreOutagePolicy = 'fail-closed' | 'anonymous'

/** Options of `createSessionManager`. */
export type SessionManagerOptions = CarrierConfig & CommonSessionOptions

/** What an adapter reads from a request for the manager: the carrier's input plus CSRF headers. */
export interface ManagerRequest extends CarrierRequest {
  readonly method: string
  readonly origin?: string | undefined
  readonly secFetchSite?: string | undefined
  readonly referer?: string | undefined
}

/** Loads sessions for requests; created once at startup with `createSessionManager`. */
export interface SessionManager<Data extends object = SessionData> {
  readonly carrier: Carrier
  /**
   * The live record a request carries, or null when it carries none or one that is malformed,
   * tampered, unknown or expired (the reason goes to `onReject`). Throws only
   * `ERR_STORE_UNAVAILABLE`.
   */
  load(request: CarrierRequest): Promise<SessionRecord | null>
  /**
   * The session object for one request, existing or not yet. Throws `ERR_CSRF_REJECTED` for a
   * cross-site state-changing request that carries a session, and `ERR_STORE_UNAVAILABLE`.
   */
  open(request: ManagerRequest, sink: ResponseSink): Promise<Session<Data>>
  /**
   * `open`, without a promise when none is needed (no credentials, or a store that answers at
   * once): for adapters. Throws synchronously what `open` rejects with.
   */
  openNow(request: ManagerRequest, sink: ResponseSink): Session<Data> | Promise<Session<Data>>
  /**
   * For an API client of the token carrier: uses `refreshToken` once (same rotation and reuse
   * detection as a refresh from the cookie) and returns the next tokens, or null when the token
   * is unknown, used, revoked or its session ended. Throws `ERR_STORE_UNAVAILABLE`, and
   * `ERR_CONFIG_INVALID` for another carrier.
   */
  refresh(refreshToken: unknown, request?: CarrierRequest): Promise<TokenResponse | null>
  /**
   * Resolves when sessions can be served: the keys seal and open a probe, and the store (when
   * there is one) answers its `ready()` (or, for a store without one, a read). Rejects with the
   * `TesseraError` that names what is wrong (`ERR_KEY_INVALID`, `ERR_STORE_UNAVAILABLE`).
   */
  ready(): Promise<void>
}

/** The options every carrier takes, by name (`rejectUnknown`). */
const COMMON_OPTIONS = [
  'carrier',
  'keys',
  'idleTimeoutSeconds',
  'absoluteTimeoutSeconds',
  'touchIntervalSeconds',
  'cookieName',
  'cookieDomain',
  'cookiePath',
  'cookieSameSite',
  'cookiePartitioned',
  'secure',
  'cookieMaxAgeSeconds',
  'allowedOrigins',
  'storeTimeoutSeconds',
  'storeOutage',
  'maxUpdateAttempts',
  'onReject',
  'onEvent',
  'clock',
  'store',
] as const

/** The options only one carrier takes. */
const CARRIER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  server: [],
  cookie: ['maxChunks'],
  token: [
    'jwtKeys',
    'accessTokenSeconds',
    'issuer',
    'audience',
    'maxDataBytes',
    'refreshGraceSeconds',
    'accept',
    'revocationCheck',
    'onRefreshReuse',
  ],
}

/** Who checks the options: the name errors give (`session()`), and the keys it adds. */
export interface OptionsCaller {
  readonly where: string
  readonly extraKeys: readonly string[]
  /** What to say about a name this caller refuses on purpose. */
  readonly hints?: Readonly<Record<string, string>>
}

/**
 * Refuses an option no carrier knows, or one of another carrier (`maxChunks` on `server`),
 * naming it and what to write instead.
 */
function checkOptionNames(options: SessionManagerOptions, caller: OptionsCaller): void {
  const own = CARRIER_OPTIONS[options.carrier as string]
  if (own === undefined) return // the carrier check names it
  const hints: Record<string, string> = { ...caller.hints }
  for (const [carrier, names] of Object.entries(CARRIER_OPTIONS)) {
    for (const name of names) {
      if (!own.includes(name)) hints[name] = `it is an option of carrier '${carrier}' only`
    }
  }
  rejectUnknown(
    options,
    new Set([...COMMON_OPTIONS, ...own, ...caller.extraKeys]),
    caller.where,
    hints,
  )
}

const DEFAULTS = { idle: 30 * 60, absolute: 12 * 60 * 60, touch: 60, attempts: 10 }
const COOKIE_NAME = /^(?!__(host|secure)-)[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/i

/**
 * Creates a session manager. Checks every option once, at startup (`ERR_CONFIG_INVALID`,
 * `ERR_KEY_INVALID`).
 *
 * @example
 * const manager = createSessionManager({ carrier: 'server', store: createMemoryStore(), keys })
 */
export function createSessionManager<Data extends object = SessionData>(
  options: SessionManagerOptions,
  caller: OptionsCaller = { where: 'createSessionManager()', extraKeys: [] },
): SessionManager<Data> {
  checkOptionNames(options, caller)
  const idle = positiveInteger(options, 'idleTimeoutSeconds', DEFAULTS.idle)
  const absolute = positiveInteger(options, 'absoluteTimeoutSeconds', DEFAULTS.absolute)
  const touch = positiveInteger(options, 'touchIntervalSeconds', DEFAULTS.touch)
  const attempts = positiveInteger(options, 'maxUpdateAttempts', DEFAULTS.attempts)
  if (touch >= idle)
    invalid(`touchIntervalSeconds (${touch}) must be below idleTimeoutSeconds (${idle})`)
  if (idle > absolute)
    invalid(`idleTimeoutSeconds (${idle}) must not exceed absoluteTimeoutSeconds (${absolute})`)
  const keyring = toKeyring(options.keys)
  if (keyring.secrets.length === 0) {
    throw new TesseraError('ERR_KEY_INVALID', 'keys must include at least one secret (no alg)')
  }
  const clock: Clock = options.clock ?? Date
  const { onReject, onEvent } = options
  const cookie = cookieOptions(options, absolute)
  const carrier = buildCarrier(options, cookie, {
    keyring,
    clock,
    absolute,
    touch,
  })
  const storeOutage = oneOf(options, 'storeOutage', 'fail-closed', ['fail-closed', 'anonymous'])
  const allowedOrigins = options.allowedOrigins ?? []
  const plainHttp = plainHttpWarning(cookie.secure, onEvent)
  const csrf = createCsrfTokens(keyring)
  const handleOf = sessionHandleFunction(keyring)
  const backoff = (attempt: number) => sleep(Math.random() * Math.min(50, 2 ** attempt))
  const chains = createWriteChains({ carrier, maxUpdateAttempts: attempts, backoff })

  const ctx: SessionContext = {
    carrier,
    now: () => clock.now(),
    // A "remember me" login (maxAgeSeconds) keeps the session through idle spells up to its
    // lifetime; nothing outlives the absolute timeout (TO-2).
    expiresAt: (session, now) =>
      Math.min(
        now +
          Math.max(idle, typeof session.maxAgeSeconds === 'number' ? session.maxAgeSeconds : 0) *
            1000,
        session.createdAt + absolute * 1000,
      ),
    loginLifetime: (loginOptions) =>
      loginLifetime(loginOptions, {
        touchSeconds: touch,
        persistentSeconds: cookie.maxAgeSeconds ?? absolute,
      }),
    isLive: (record, now) =>
      now < Math.min(record.expiresAt, ctx.expiresAt(record, record.lastSeenAt)),
    touchDue: (record, now) => now - record.lastSeenAt >= touch * 1000,
    handleOf,
    csrfTokenOf: (idHash) => csrf.issue(idHash),
    verifyCsrf: (idHash, token) => csrf.verify(idHash, token),
    preSession: preSessionCsrf(csrf, cookie),
    listening: onEvent !== undefined,
    emit: (event) => onEvent?.(event),
    serialize: (idHash, write) => chains.run(idHash, write),
    writesNow: (idHash) =>
      carrier.writesNow !== undefined &&
      (idHash === null || !chains.has(idHash)) &&
      carrier.writesNow(),
  }

  function reject(code: TesseraErrorCode, request: CarrierRequest): void {
    onReject?.(code, request)
    onEvent?.({ type: 'rejected', code })
  }

  type Loaded = { record: SessionRecord | null; setCookies: readonly string[] }

  /**
   * The request's live record. Synchronous when the request carries nothing or the store
   * answers at once (stores/sync.ts): no promise for what needs no waiting.
   */
  function loadRecord(request: CarrierRequest): Loaded | Promise<Loaded> {
    // Every carrier finds nothing in a request without cookies or credentials.
    if (request.cookieHeader === undefined && request.authorization === undefined) return NOTHING
    const now = clock.now()
    const loaded = carrier.loadNow?.(request, now)
    if (loaded !== undefined) return checkLoaded(loaded, request, now)
    return carrier.load(request, now).then((later) => checkLoaded(later, request, now))
  }

  function checkLoaded(
    loaded: CarrierLoad,
    request: CarrierRequest,
    now: number,
  ): Loaded | Promise<Loaded> {
    if (loaded.record === null) {
      if (loaded.reason !== null) reject(loaded.reason, request)
      return loaded
    }
    // TO-1, TO-2: both deadlines are checked here with this clock, whatever the store kept.
    return ctx.isLive(loaded.record, now) ? loaded : expire(loaded.record, request)
  }

  async function expire(record: SessionRecord, request: CarrierRequest): Promise<Loaded> {
    const setCookies = await carrier.destroy(record.idHash, request)
    onEvent?.({ type: 'expired', userId: record.userId })
    reject('ERR_SESSION_EXPIRED', request)
    return { record: null, setCookies }
  }

  /** The session of a request whose record is loaded (or refused). */
  function opened(request: ManagerRequest, sink: ResponseSink, loaded: Loaded): Session<Data> {
    if (loaded.setCookies.length > 0) sink.setCookies(loaded.setCookies)
    const record = loaded.record
    const verdict = checkCsrf(request, allowedOrigins)
    if (!verdict.ok && record !== null) {
      reject('ERR_CSRF_REJECTED', request)
      throw new TesseraError(
        'ERR_CSRF_REJECTED',
        `cross-site ${request.method} refused: ${verdict.reason}`,
      )
    }
    if (record?.userId != null) sink.authenticated()
    return new Session<Data>(ctx, request, sink, record, verdict.ok ? null : verdict.reason)
  }

  /** What a request gets when loading failed: a read served anonymously, or the failure. */
  function failedLoad(request: ManagerRequest, sink: ResponseSink, err: unknown): Session<Data> {
    if (!servesAnonymously(storeOutage, request, err)) throw err
    // A read served without a session: never signed in, and no write (not even a cookie).
    reject('ERR_STORE_UNAVAILABLE', request)
    return new Session<Data>(ctx, request, sink, null, null, true)
  }

  function openNow(
    request: ManagerRequest,
    sink: ResponseSink,
  ): Session<Data> | Promise<Session<Data>> {
    plainHttp(request)
    let loaded: Loaded | Promise<Loaded>
    try {
      loaded = loadRecord(request)
    } catch (err) {
      return failedLoad(request, sink, err)
    }
    if (!(loaded instanceof Promise)) return opened(request, sink, loaded)
    return loaded.then(
      (later) => opened(request, sink, later),
      (err: unknown) => failedLoad(request, sink, err),
    )
  }

  return {
    carrier,
    load: async (request) => (await loadRecord(request)).record,
    open: async (request, sink) => openNow(request, sink),
    openNow,
    async refresh(refreshToken, request = API_REQUEST) {
      if (carrier.exchange === undefined) {
        invalid(`refresh(refreshToken) needs carrier 'token', not '${carrier.kind}'`)
      }
      // Bad network input is no session (the carrier checks the token's form).
      if (typeof refreshToken !== 'string') {
        reject('ERR_TOKEN_MALFORMED', request)
        return null
      }
      const now = clock.now()
      const exchanged = await carrier.exchange(refreshToken, now)
      if (exchanged.record === null) {
        reject(exchanged.reason, request)
        return null
      }
      const record = exchanged.record
      if (!ctx.isLive(record, now)) {
        await carrier.destroy(record.idHash, request)
        onEvent?.({ type: 'expired', userId: record.userId })
        reject('ERR_SESSION_EXPIRED', request)
        return null
      }
      return tokenResponse(exchanged.tokens)
    },
    ready: () => checkReady(csrf, options.store, storeTimeout(options)),
  }
}

/**
 * `ready()`: the keyring seals and opens a probe (a CSRF token), and the store answers its own
 * `ready()` (or, for a store without one, a read of an id no session has), within five store
 * timeouts (a first `ready()` may be migrating the tables).
 */
async function checkReady(
  csrf: CsrfTokens,
  store: Store | undefined,
  timeoutSeconds: number,
): Promise<void> {
  const probe = randomId()
  if (!csrf.verify(probe, csrf.issue(probe))) {
    throw new TesseraError(
      'ERR_KEY_INVALID',
      'ready(): the session keys do not verify their own tokens',
    )
  }
  if (store === undefined) return
  const check = typeof store.ready === 'function' ? store.ready() : store.sessions.get(randomId())
  await bounded('ready', Promise.resolve(check), timeoutSeconds * 5000)
}

/** What a request without cookies or credentials carries: nothing. */
const NOTHING = Object.freeze({ record: null, setCookies: Object.freeze([]) as readonly string[] })

/** The request of a refresh call made without one: an API client, no cookies. */
const API_REQUEST: CarrierRequest = { cookieHeader: undefined, secure: false }

/**
 * Warns once per manager when `secure: 'auto'` sees a plain-HTTP request for a host that is not
 * loopback: its cookies still get `Secure` and `__Host-` (so a browser on plain HTTP will not
 * send them back), and the usual cause is an HTTPS proxy the framework was not told to trust.
 */
function plainHttpWarning(
  secure: CarrierCookieOptions['secure'],
  onEvent: ((event: SessionEvent) => void) | undefined,
): (request: CarrierRequest) => void {
  let warned = secure !== 'auto'
  return (request) => {
    if (warned || request.secure || isLoopbackHost(request.host)) return
    warned = true
    const message =
      'tessera: a plain-HTTP request for a host that is not loopback; its session cookies are ' +
      "still sent Secure with the __Host- prefix. Behind an HTTPS proxy, set Express's " +
      "'trust proxy' (app.set('trust proxy', 1)) so that req.secure is true; to serve sessions " +
      'over plain HTTP on purpose, set secure: false.'
    if (onEvent !== undefined) onEvent({ type: 'plain-http', message })
    else process.emitWarning(message, { code: 'TESSERA_PLAIN_HTTP' })
  }
}

/**
 * The pre-session cookie (`<cookieName>-csrf`, `__Host-` and Secure like the session cookie):
 * 256 random bits the browser holds so that a visitor's form token can be checked without a
 * stored session. HttpOnly, SameSite=Lax, a browser-session cookie.
 */
function preSessionCsrf(csrf: CsrfTokens, cookie: CarrierCookieOptions): PreSessionCsrf {
  const identity = (request: CarrierRequest) => {
    const { name, secure } = cookieIdentity(cookie, request)
    return { name: `${name}${PRE_SESSION_SUFFIX}`, secure }
  }
  return {
    read(request) {
      const value = readCookie(request.cookieHeader, identity(request).name)
      return typeof value === 'string' && PRE_SESSION_VALUE.test(value) ? value : null
    },
    start(request) {
      const { name, secure } = identity(request)
      const value = randomId()
      return { value, setCookie: setCookie(name, value, { secure }) }
    },
    clear(request) {
      const { name, secure } = identity(request)
      return deleteCookie(name, { secure })
    },
    issue: (value) => csrf.issueAnonymous(value),
    verify: (value, token) => csrf.verifyAnonymous(value, token),
  }
}

const PRE_SESSION_SUFFIX = '-csrf'

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** True when the `'anonymous'` outage policy applies: a read-only request and a store failure. */
function servesAnonymously(
  policy: StoreOutagePolicy,
  request: ManagerRequest,
  err: unknown,
): boolean {
  return (
    policy === 'anonymous' &&
    READ_ONLY_METHODS.has(request.method) &&
    isTesseraError(err) &&
    err.code === 'ERR_STORE_UNAVAILABLE'
  )
}

function buildCarrier(
  options: SessionManagerOptions,
  cookie: CarrierCookieOptions,
  shared: { keyring: Keyring; clock: Clock; absolute: number; touch: number },
): Carrier {
  switch (options.carrier) {
    case 'server':
      if (typeof options.store?.sessions?.get !== 'function') {
        invalid("carrier 'server' needs a store (createMemoryStore() or createSqliteStore(...))")
      }
      return createServerCarrier({
        store: options.store,
        cookie,
        storeTimeoutSeconds: storeTimeout(options),
      })
    case 'cookie':
      if (options.store !== undefined && typeof options.store?.sessions?.get !== 'function') {
        invalid("carrier 'cookie': store must be a tessera store, or left out")
      }
      return createCookieCarrier({
        ...options,
        keys: shared.keyring,
        cookie,
        clock: shared.clock,
        touchIntervalSeconds: shared.touch,
        storeTimeoutSeconds: storeTimeout(options),
      })
    case 'token':
      if (typeof options.store?.refreshTokens?.use !== 'function') {
        invalid("carrier 'token' needs a store for its refresh tokens (createSqliteStore(...))")
      }
      return createTokenCarrier({
        ...options,
        keys: shared.keyring,
        cookie,
        clock: shared.clock,
        absoluteTimeoutSeconds: shared.absolute,
        storeTimeoutSeconds: storeTimeout(options),
        onRefreshReuse: (reuse) => {
          options.onEvent?.({
            type: 'refresh-token-reused',
            userId: reuse.userId || null,
            count: reuse.revokedCount,
          })
          options.onRefreshReuse?.(reuse)
        },
      })
    default:
      return invalidOption(
        'carrier',
        "'cookie', 'server' or 'token'",
        (options as { carrier: unknown }).carrier,
      )
  }
}

function cookieOptions(options: CommonSessionOptions, absolute: number): CarrierCookieOptions {
  const name = stringOption(options, 'cookieName', 'tessera', {
    pattern: COOKIE_NAME,
    shape: '1 to 64 token characters, without a __Host-/__Secure- prefix',
  })
  const secure = oneOf(options, 'secure', 'auto', ['auto', true, false])
  // At most absoluteTimeoutSeconds: a cookie outliving its session would only be refused.
  const maxAgeSeconds =
    options.cookieMaxAgeSeconds === undefined
      ? undefined
      : positiveInteger(options, 'cookieMaxAgeSeconds', absolute, absolute)
  const sameSite = sameSiteValue(options.cookieSameSite ?? 'Lax')
  if (sameSite === null) {
    invalid(`cookieSameSite must be 'lax', 'strict' or 'none' (any case)`)
  }
  const partitioned = options.cookiePartitioned ?? false
  if (typeof partitioned !== 'boolean') invalid('cookiePartitioned must be true or false')
  if ((sameSite === 'None' || partitioned) && secure !== true) {
    invalid(
      `cookieSameSite 'none' and cookiePartitioned need secure: true (browsers refuse them otherwise)`,
    )
  }
  const { cookieDomain: domain, cookiePath: path } = options
  checkAttribute('cookieDomain', domain, { domain }, 'a host name such as example.com')
  checkAttribute('cookiePath', path, { path }, 'a path starting with "/" without ";"')
  return { name, secure, maxAgeSeconds, domain, path, sameSite, partitioned }
}

/** Refuses a cookie attribute the cookie codec would refuse, at startup instead of per response. */
function checkAttribute(
  option: string,
  value: unknown,
  attributes: object,
  expected: string,
): void {
  if (value === undefined) return
  try {
    if (typeof value !== 'string') throw new TypeError(typeof value)
    serializeCookie('t', '', attributes)
  } catch {
    invalid(`${option} must be ${expected}`)
  }
}

function storeTimeout(options: CommonSessionOptions): number {
  return positiveNumber(options, 'storeTimeoutSeconds', DEFAULT_STORE_TIMEOUT_SECONDS, 60)
}

function invalid(message: string): never {
  throw new TesseraError('ERR_CONFIG_INVALID', message)
}
