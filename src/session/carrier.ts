// The seam between the session manager and the three ways of carrying a session (docs/design.md:
// `cookie`, `server`, `token`). The manager owns the rules every carrier shares (laziness,
// timeouts, throttled touch, login rotation, compare-and-set retries, events); a carrier owns
// only what the browser holds and where the state lives. Nothing here sees a framework.
import type { SameSite } from '../cookie/codec.js'
import type { TesseraErrorCode } from '../errors.js'
import type { SessionRecord } from '../stores/store.js'

/** The three carriers (docs/design.md). */
export type CarrierKind = 'cookie' | 'server' | 'token'

/**
 * What a carrier may read from a request, already taken out of the framework's request object
 * by an adapter. Header values are raw (not decoded); a carrier parses them itself.
 */
export interface CarrierRequest {
  /** The raw `Cookie` header, or undefined when the request has none. */
  readonly cookieHeader: string | undefined
  /** The raw `Authorization` header (the token carrier may accept a bearer token). */
  readonly authorization?: string | undefined
  /**
   * True when the request reached the application over HTTPS, directly or through a proxy the
   * framework trusts (Express: `req.secure` with `trust proxy`). With `secure: 'auto'` it decides
   * `Secure` and the `__Host-` prefix together with `host`: only a plain-HTTP request to a
   * loopback host goes without them, so plain-HTTP localhost works in development without
   * configuration and without looking at `NODE_ENV`.
   */
  readonly secure: boolean
  /**
   * The host the request was addressed to (`Host`, or the trusted forwarded host), port allowed.
   * A plain-HTTP request relaxes `Secure` only when this is a loopback host (`isLoopbackHost`).
   */
  readonly host?: string | undefined
  /** The client address as the framework reports it (for "your devices"). */
  readonly ip?: string | undefined
  /** The `User-Agent` header (for "your devices"). */
  readonly userAgent?: string | undefined
}

/** A record as the manager asks a carrier to start it: everything but the secret-derived key. */
export type SessionDraft = Omit<SessionRecord, 'idHash'>

/**
 * What `load` found. `record` is the live session, or null with the reason:
 * `reason: null` means the request presented nothing (an anonymous visitor, not an error);
 * a code means it presented something that was refused (malformed, tampered, unknown, expired),
 * and `setCookies` then usually clears the refused cookie.
 */
export type CarrierLoad =
  | {
      readonly record: SessionRecord
      readonly reason: null
      /** Cookies to send even if nothing changes (e.g. the token carrier renewed its JWT). */
      readonly setCookies: readonly string[]
    }
  | {
      readonly record: null
      readonly reason: TesseraErrorCode | null
      readonly setCookies: readonly string[]
    }

/** The outcome of a write: the record as now stored and the `Set-Cookie` values that carry it. */
export interface CarrierWrite {
  readonly record: SessionRecord
  /** Serialised `Set-Cookie` header values, to be appended to the response (never joined). */
  readonly setCookies: readonly string[]
  /** The tokens this write issued (token carrier only), for an API client. */
  readonly tokens?: IssuedTokens
}

/** Tokens the token carrier issued, as an API client receives them. */
export interface IssuedTokens {
  readonly accessToken: string
  /** Seconds until the access token expires. */
  readonly expiresIn: number
  /** Present when this write started or rotated a refresh-token family. */
  readonly refreshToken?: string
}

/** The outcome of exchanging a refresh token outside a request's cookies (token carrier). */
export type CarrierExchange =
  | { readonly record: SessionRecord; readonly tokens: IssuedTokens }
  | { readonly record: null; readonly reason: TesseraErrorCode }

/**
 * A carrier: how one session travels between requests. `SessionRecord.idHash` is the carrier's
 * key for a session instance: the SHA-256 of a secret (server: of the session id). It changes on
 * every rotation, is never sent to the client, and is what CSRF tokens and list handles are
 * derived from. Store failures are thrown as `TesseraError('ERR_STORE_UNAVAILABLE')`; bad input
 * from the network is never thrown, it is a `CarrierLoad` with a reason.
 *
 * Implementations: `createServerCarrier` (opaque id in a cookie, record in a store); the
 * `cookie` and `token` carriers implement the same interface.
 */
export interface Carrier {
  readonly kind: CarrierKind
  /**
   * Reads the session the request carries. Does not check the idle or absolute timeout (the
   * manager does, with its clock); `now` (epoch ms) is for what the carrier itself must check,
   * such as a JWT's `exp`.
   */
  load(request: CarrierRequest, now: number): Promise<CarrierLoad>
  /** Starts a new session with a fresh secret (login, or the first write of a visitor). */
  create(draft: SessionDraft, request: CarrierRequest): Promise<CarrierWrite>
  /**
   * Compare-and-set: writes `record` (whose `version` is `expectedVersion + 1`) only if the
   * current version is `expectedVersion`. Null means someone else wrote first or the session is
   * gone; the manager then `reload`s and retries.
   */
  replace(
    record: SessionRecord,
    expectedVersion: number,
    request: CarrierRequest,
  ): Promise<CarrierWrite | null>
  /** The current state of a session by its key, or null if gone (used after a conflict). */
  reload(idHash: string): Promise<SessionRecord | null>
  /** Moves `lastSeenAt` and `expiresAt` without a version change (rolling renewal). */
  touch(record: SessionRecord, request: CarrierRequest): Promise<CarrierWrite>
  /** Ends the session: deletes its state and returns cookies that clear it (`Max-Age=0`). */
  destroy(idHash: string, request: CarrierRequest): Promise<readonly string[]>
  /** Cookies that clear whatever this carrier sets, for a request whose cookie was refused. */
  clearCookies(request: CarrierRequest): readonly string[]
  /** The user's live sessions (the "your devices" list). */
  listByUser(userId: string): Promise<SessionRecord[]>
  /** Ends every session of the user except `exceptIdHash`; returns how many ended. */
  deleteByUser(userId: string, exceptIdHash?: string): Promise<number>
  /**
   * Token carrier only: rotates `refreshToken` (same rotation and reuse detection as a refresh
   * from the cookie) and returns the new tokens, for an API client that holds them itself.
   */
  exchange?(refreshToken: string, now: number): Promise<CarrierExchange>
  /**
   * Optional: throws `ERR_SESSION_DATA_INVALID` when `data` certainly cannot be carried (the
   * cookie carrier: more than `maxChunks` cookies hold). `key` is the key just assigned, or null.
   * Called where the handler assigns, so the error points at the assignment.
   */
  checkData?(data: Readonly<Record<string, unknown>>, key: string | null): void
  /**
   * Optional, for a store that answers at once (stores/sync.ts): `load` answered synchronously,
   * or undefined when the store cannot (then `load` is used). Throws where `load` rejects.
   */
  loadNow?(request: CarrierRequest, now: number): CarrierLoad | undefined
  /**
   * Optional: true when `createNow`, `replaceNow` and `touchNow` will answer synchronously now.
   * Asked before a write, so that a write is issued once, either way.
   */
  writesNow?(): boolean
  /**
   * `create`, synchronously; only after `writesNow()` said true. Throws where `create` rejects.
   * A carrier may offer `replaceNow` and `touchNow` without it (the token carrier's login also
   * starts a refresh-token family).
   */
  createNow?(draft: SessionDraft, request: CarrierRequest): CarrierWrite
  /** `replace`, synchronously; only after `writesNow()` said true. */
  replaceNow?(
    record: SessionRecord,
    expectedVersion: number,
    request: CarrierRequest,
  ): CarrierWrite | null
  /** `touch`, synchronously; only after `writesNow()` said true. */
  touchNow?(record: SessionRecord, request: CarrierRequest): CarrierWrite
}

/**
 * How a carrier's cookie is named and flagged. The browser always gets `HttpOnly`; by default
 * `SameSite=Lax`, `Path=/` and no `Domain`; `Secure` and the name's prefix follow `secure`.
 */
export interface CarrierCookieOptions {
  /**
   * The cookie's base name. When the cookie is Secure it gets `__Host-`, or `__Secure-` when
   * `domain` is set or `path` is not `/` (which `__Host-` forbids). Default `tessera`.
   */
  readonly name: string
  /**
   * `'auto'` (default): Secure with the `__Host-` prefix when the request is HTTPS, plain on
   * plain HTTP (local development). `true`: always. `false`: never (tests behind plain HTTP only).
   */
  readonly secure: 'auto' | boolean
  /**
   * Undefined (default): a browser-session cookie with no `Max-Age`. Otherwise `Max-Age` in
   * seconds, at most the absolute timeout.
   */
  readonly maxAgeSeconds?: number | undefined
  /** `Domain`: undefined (default) for a host-only cookie. */
  readonly domain?: string | undefined
  /** `Path`. Default `/`. */
  readonly path?: string | undefined
  /** `SameSite`. Default `Lax`. */
  readonly sameSite?: SameSite | undefined
  /** `Partitioned` (CHIPS). Default false. */
  readonly partitioned?: boolean | undefined
}

/**
 * The name and `Secure` flag a carrier's cookie gets for this request. With `secure: 'auto'`,
 * only a plain-HTTP request to a loopback host (local development) gets a plain cookie; any
 * other plain-HTTP request is most likely HTTPS ended at a proxy the framework does not trust,
 * and still gets `Secure` and `__Host-`.
 */
export function cookieIdentity(
  options: CarrierCookieOptions,
  request: CarrierRequest,
): CookieIdentity {
  const secure = options.secure === 'auto' ? !relaxesSecure(request) : options.secure
  let both = identities.get(options)
  if (both === undefined)
    identities.set(options, (both = [identity(options, false), identity(options, true)]))
  return both[secure ? 1 : 0]
}

/** A carrier cookie's name and `Secure` flag for one request. */
export interface CookieIdentity {
  readonly name: string
  readonly secure: boolean
}

/** Both identities of each cookie options object, computed once (this runs on every request). */
const identities = new WeakMap<CarrierCookieOptions, readonly [CookieIdentity, CookieIdentity]>()

function identity(options: CarrierCookieOptions, secure: boolean): CookieIdentity {
  // RFC 6265bis 4.1.3: a __Host- cookie must be Secure, have Path=/ and no Domain; a cookie with
  // a Domain or another Path still gets __Secure- (Secure only) when it is Secure.
  const hostOnly = options.domain === undefined && (options.path ?? '/') === '/'
  const prefix = !secure ? '' : hostOnly ? '__Host-' : '__Secure-'
  return Object.freeze({ name: `${prefix}${options.name}`, secure })
}

/**
 * True when `secure: 'auto'` lets this request's cookies go without `Secure`: it arrived over
 * plain HTTP and was addressed to a loopback host.
 */
export function relaxesSecure(request: Pick<CarrierRequest, 'secure' | 'host'>): boolean {
  return !request.secure && isLoopbackHost(request.host)
}

const IPV4_LOOPBACK =
  /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/

/**
 * True when `host` (a `Host` header value, port allowed) names this machine: `localhost` or a
 * name under `.localhost` (RFC 6761 §6.3 keeps them on loopback, and browsers treat them as
 * secure contexts), an address in `127.0.0.0/8`, or `[::1]`. Anything else, or no host at all,
 * is not loopback.
 *
 * @example
 * isLoopbackHost('localhost:3000') // true
 * isLoopbackHost('[::1]:8080')     // true
 * isLoopbackHost('app.example.com') // false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (typeof host !== 'string' || host.length > 255) return false
  // Every request asks this with the same few hosts: the last answer is kept.
  if (host === lastHost) return lastLoopback
  lastLoopback = loopback(host)
  lastHost = host
  return lastLoopback
}

let lastHost: string | undefined
let lastLoopback = false

function loopback(host: string): boolean {
  let name = host.toLowerCase()
  if (name.startsWith('[')) {
    const end = name.indexOf(']')
    if (end === -1 || !/^(:\d*)?$/.test(name.slice(end + 1))) return false
    return name.slice(1, end) === '::1'
  }
  const colon = name.indexOf(':')
  if (colon !== -1) {
    if (!/^\d*$/.test(name.slice(colon + 1))) return false
    name = name.slice(0, colon)
  }
  if (name.endsWith('.')) name = name.slice(0, -1)
  return name === 'localhost' || name.endsWith('.localhost') || IPV4_LOOPBACK.test(name)
}
