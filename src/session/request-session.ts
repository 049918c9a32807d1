// The session as handlers see it (`req.session`), and the types around it: the application's
// data, list entries, events and the sink through which writes reach the response.
import type { TesseraErrorCode } from '../errors.js'

/**
 * The application's session data, declared once by augmenting this interface (or by passing a
 * type to `session<Data>()`); every property should be optional, since a new session starts
 * empty. Values must be JSON-serialisable.
 *
 * @example
 * declare module 'tessera-session' {
 *   interface SessionData { username?: string; count?: number }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by augmentation
export interface SessionData {}

/** One of a user's live sessions, as `list()` shows it. Holds no secret. */
export interface SessionInfo {
  /** A public handle for `revoke(handle)`: derived from, but not revealing, the session id. */
  readonly handle: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly authenticatedAt: number | null
  readonly ip?: string
  readonly userAgent?: string
  /** True for the session of the request that asked. */
  readonly current: boolean
}

/**
 * Options of `login`: what the new session keeps of the old one's data, and its cookie's
 * lifetime ("remember me"). Checked on every call (`ERR_CONFIG_INVALID`, naming the option).
 *
 * @example
 * await req.session.login(user.id, {
 *   keepData: ['cart'],
 *   ...(req.body.remember === 'on' ? { maxAgeSeconds: 30 * 24 * 3600 } : { persistent: false }),
 * })
 */
export interface LoginOptions<Data> {
  /** Values to set in the new session, on top of what is kept. */
  readonly data?: Partial<Data> | undefined
  /**
   * What the new session keeps of the pre-login data: `true` (default) all of it, `false` none,
   * or an allow-list of keys (docs/security-requirements.md: FX-2).
   */
  readonly keepData?: boolean | readonly (keyof Data & string)[] | undefined
  /**
   * `false`: a browser-session cookie (no `Max-Age`), whatever `cookieMaxAgeSeconds` says.
   * `true`: a "remember me" session for `cookieMaxAgeSeconds`, or else for the absolute timeout,
   * as with `maxAgeSeconds`. Not together with `maxAgeSeconds`. Default: the manager's
   * `cookieMaxAgeSeconds` (none unless set).
   */
  readonly persistent?: boolean | undefined
  /**
   * A "remember me" session: the cookie gets `Max-Age` of this many seconds (renewed on every
   * later write, never past the absolute timeout), and the session survives being idle for this
   * long when that is longer than `idleTimeoutSeconds`. A whole number above
   * `touchIntervalSeconds`. Every later write of the session keeps the choice.
   *
   * @example
   * await req.session.login(user.id, remember ? { maxAgeSeconds: 30 * 86400 } : { persistent: false })
   */
  readonly maxAgeSeconds?: number | undefined
}

/** The session of one request, as handlers see it (`req.session`). */
export interface RequestSession<Data extends object = SessionData> {
  /** The signed-in user, or null. */
  readonly userId: string | null
  /** When the user logged in (epoch ms), or null. */
  readonly authenticatedAt: number | null
  /** A public, non-secret handle of this session (for `list`/`revoke`), or null if none yet. */
  readonly handle: string | null
  /** True until the session exists in the store (and always for a visitor who wrote nothing). */
  readonly isNew: boolean
  /** The data; plain assignments are tracked per key and committed before the response. */
  data: Data
  /**
   * Atomic read-modify-write: re-runs `fn` on a fresh copy when another request wrote first.
   * With the `cookie` carrier there is no server copy to compare with: each response carries the
   * whole state, so of two concurrent requests the last response wins (CO-6).
   */
  update(fn: (data: Data) => void): Promise<void>
  /** Signs `userId` in under a new session id (the old one is dead at once). */
  login(userId: string, options?: LoginOptions<Data>): Promise<void>
  /** Deletes the session and clears its cookie. */
  logout(): Promise<void>
  /** Ends every session of this user; returns how many ended. */
  logoutEverywhere(options?: { readonly exceptCurrent?: boolean }): Promise<number>
  /** This user's live sessions ("your devices"). */
  list(): Promise<SessionInfo[]>
  /** Ends one of this user's sessions by handle; false if the user has no such session. */
  revoke(handle: string): Promise<boolean>
  /**
   * The CSRF token for HTML forms. With a session, the per-session token; without one, a
   * stateless token bound to a random pre-session cookie it sets (`<cookieName>-csrf`), so that
   * rendering a form for an anonymous visitor stores nothing.
   */
  csrfToken(): Promise<string>
  /**
   * True when `token` is this session's CSRF token; for a visitor whose session is not signed in
   * (or who has none), also when it is the token bound to the request's pre-session cookie.
   */
  verifyCsrfToken(token: unknown): boolean
  /**
   * The tokens this request issued, for an API client (token carrier): after `login`, the access
   * and refresh tokens in the names of RFC 6749 §5.1, ready to return as JSON. Null when this
   * request issued none (another carrier, or nothing written yet).
   */
  tokens(): TokenResponse | null
}

/**
 * Tokens for an API client, named as in RFC 6749 §5.1. `refresh_token` is present when the
 * request started or rotated a refresh-token family (login, or a refresh).
 *
 * @example
 * await req.session.login(user.id)
 * res.json(req.session.tokens()) // { access_token, token_type: 'Bearer', expires_in, refresh_token }
 */
export interface TokenResponse {
  readonly access_token: string
  readonly token_type: 'Bearer'
  /** Seconds until the access token expires. */
  readonly expires_in: number
  readonly refresh_token?: string
}

/** What happened to a session, for logs and metrics (`onEvent`). Carries no secret. */
export type SessionEvent =
  | { readonly type: 'created'; readonly userId: string | null; readonly handle: string }
  | { readonly type: 'rotated'; readonly userId: string; readonly handle: string }
  | { readonly type: 'destroyed'; readonly userId: string | null; readonly count: number }
  | { readonly type: 'expired'; readonly userId: string | null }
  | { readonly type: 'rejected'; readonly code: TesseraErrorCode }
  | { readonly type: 'write-failed'; readonly code: TesseraErrorCode }
  /**
   * Writing the session after the handler failed (store down or slow, the version check lost
   * too often, data that cannot be stored). `code` is the `TesseraError`'s code, or null for
   * another error; the error itself goes to the framework's error path.
   */
  | { readonly type: 'commit-failed'; readonly code: TesseraErrorCode | null }
  /**
   * Once per manager: a plain-HTTP request for a host that is not loopback came in with
   * `secure: 'auto'`; `message` says what to set (`trust proxy` behind an HTTPS proxy).
   */
  | { readonly type: 'plain-http'; readonly message: string }
  /** A used refresh token came back (token carrier): its whole family was revoked (RT-3). */
  | {
      readonly type: 'refresh-token-reused'
      readonly userId: string | null
      readonly count: number
    }

/** Where a session's writes put their response headers (implemented by each adapter). */
export interface ResponseSink {
  /** Appends serialised `Set-Cookie` values. */
  setCookies(values: readonly string[]): void
  /** The request is now authenticated: responses must not be cached (CK-9). */
  authenticated(): void
  /** The session was logged out (the adapter may send `Clear-Site-Data`). */
  loggedOut(): void
  /** What a session method throws for `err` (an adapter adds its HTTP status). */
  presentError(err: unknown): unknown
  /**
   * Optional: called once, as soon as the session may have something to commit at the end of
   * the request (the handler took the data, or a touch is due). An adapter that must hold the
   * response for that commit holds it from then on; until then the response goes straight out.
   */
  holdForCommit?(session: CommittableSession): void
}

/** What an adapter needs of a session to commit it at the end of the request. */
export interface CommittableSession {
  /** True when the end of the request has something to write. */
  needsCommit(): boolean
  /** Forgets plain assignments not yet committed (the response is an error). */
  discardPending(): void
  /** Commits; returns nothing when it is done already, or a promise. Throws what it fails with. */
  commitNow(canSetCookies: boolean): void | Promise<void>
}
