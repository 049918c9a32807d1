// The `token` carrier: a short-lived JWT access token that carries the session (sub, sid, data),
// renewed inside the middleware by an opaque refresh token that rotates on every use within a
// family started at login (RFC 9700 §4.14.2). The store holds each session's record (the source
// of truth on refresh, and the compare-and-set that keeps updates from being lost) and the
// refresh tokens' hashes. Every request checks its session's record through a cache that answers
// for at most one second, so a revoked session's access tokens die within a second everywhere.
import type { Clock } from '../../../clock.js'
import { sha256 } from '../../../crypto/hash.js'
import type { Keyring } from '../../../crypto/keyring.js'
import { randomId } from '../../../crypto/random.js'
import type { TesseraErrorCode } from '../../../errors.js'
import { integerOption, oneOf } from '../../../options.js'
import type { SessionRecord, Store } from '../../../stores/store.js'
import {
  cookieIdentity,
  type CookieIdentity,
  type Carrier,
  type CarrierCookieOptions,
  type CarrierLoad,
  type CarrierRequest,
  type CarrierWrite,
  type IssuedTokens,
} from '../../carrier.js'
import { createRevocationCache } from '../../revocation-cache.js'
import { refreshSuccessorKey, type RefreshReuse } from './refresh-family.js'
import { createRefreshFlow } from './refresh-flow.js'
import {
  readCookie,
  setCookie,
  carrierCookieAttributes,
  deleteCookie,
  type CookieLifetime,
  type CookieWriteOptions,
} from '../../carrier-cookie.js'
import { answerNow, storeCaller } from '../../store-call.js'
import { syncOf } from '../../../stores/sync.js'
import { createAccessTokens, type AccessTokenOptions } from './access-token.js'
import { accessTokenKeys } from '../../carrier-keys.js'

/** Where the token carrier accepts its access token from. */
export type AccessTokenSource = 'cookie' | 'bearer' | 'both'

/** Options of `createTokenCarrier`. Durations are seconds. */
export interface TokenCarrierOptions extends AccessTokenOptions {
  /** The session secrets; without `jwtKeys`, HS256 keys are derived from them (HKDF, per key). */
  readonly keys: Keyring
  /** Session records and refresh-token hashes. */
  readonly store: Store
  readonly cookie: CarrierCookieOptions
  /** The family's absolute lifetime: no refresh extends a session past it (RT-5, TO-2). */
  readonly absoluteTimeoutSeconds: number
  /**
   * A refresh token presented again less than this long after its first use still refreshes, to
   * the same successor as the first use (two tabs at once; one chain, never two); from then on,
   * reuse revokes the family. 0 to 60; default 5.
   */
  readonly refreshGraceSeconds?: number | undefined
  /** Accept the access token from the cookie, an `Authorization: Bearer` header, or both (default). */
  readonly accept?: AccessTokenSource | undefined
  /**
   * Check each request's session against the store through a ≤ 1 s cache (default true). Off,
   * a revoked session's access tokens stay valid until they expire (`accessTokenSeconds`).
   */
  readonly revocationCheck?: boolean | undefined
  /** Hears a refresh token reuse, after its family has been revoked. */
  readonly onRefreshReuse?: ((reuse: RefreshReuse) => void) | undefined
  /** A store call unanswered after this many seconds fails with `ERR_STORE_UNAVAILABLE`. Default 1. */
  readonly storeTimeoutSeconds?: number | undefined
  /** The clock of writes and of the revocation cache. Default `Date`. */
  readonly clock?: Clock | undefined
}

const REFRESH_SUFFIX = '-refresh'
const BEARER = /^Bearer +([A-Za-z0-9_.-]+)$/i

/**
 * Creates the token carrier.
 *
 * @example
 * const carrier = createTokenCarrier({ keys, store, cookie, absoluteTimeoutSeconds: 43200 })
 */
export function createTokenCarrier(options: TokenCarrierOptions): Carrier {
  const { store, cookie } = options
  const clock = options.clock ?? Date
  const now = () => clock.now()
  const absoluteMs = options.absoluteTimeoutSeconds * 1000
  // SO-1: every store call is bounded, so a hung store answers 503 fast.
  const storeCall = storeCaller(options.storeTimeoutSeconds)
  const graceSeconds = integerOption(options, 'refreshGraceSeconds', 5, { min: 0, max: 60 })
  const accept = oneOf(options, 'accept', 'both', ['cookie', 'bearer', 'both'])
  const tokens = createAccessTokens(options.jwtKeys ?? accessTokenKeys(options.keys), options)
  const live =
    options.revocationCheck === false
      ? null
      : createRevocationCache<SessionRecord | null>({ clock })

  function names(request: CarrierRequest): CookieNames {
    const identity = cookieIdentity(cookie, request)
    let n = namesOf.get(identity)
    if (n === undefined) {
      const { name, secure } = identity
      namesOf.set(identity, (n = { access: name, refresh: `${name}${REFRESH_SUFFIX}`, secure }))
    }
    return n
  }
  const namesOf = new WeakMap<CookieIdentity, CookieNames>()

  /**
   * The access cookie's attributes (the application's SameSite), or the refresh cookie's
   * (Strict). With `lifetime`, `Max-Age` follows the session's choice at login.
   */
  function attributes(
    secure: boolean,
    refresh: boolean,
    lifetime?: CookieLifetime,
  ): CookieWriteOptions {
    const at = carrierCookieAttributes(cookie, secure, lifetime)
    return refresh ? { ...at, sameSite: 'Strict' } : at
  }

  /** True when this request's tokens travel in headers, not cookies: no cookie is ever set. */
  function cookieless(request: CarrierRequest): boolean {
    return (
      accept === 'bearer' || (accept === 'both' && bearerToken(request.authorization) !== undefined)
    )
  }

  function accessCookie(access: string, request: CarrierRequest, lifetime: CookieLifetime): string {
    const n = names(request)
    return setCookie(n.access, access, attributes(n.secure, false, lifetime), lifetime.now)
  }

  /** Signs an access token for `record` and carries it (and a new refresh token) to the client. */
  function issue(
    record: SessionRecord,
    request: CarrierRequest,
    refresh?: string,
    at = now(),
    accessToken = tokens.sign(record, at), // refuses oversized data before any write
  ): CarrierWrite {
    const expiresIn = Math.max(
      0,
      Math.min(tokens.lifetimeSeconds, Math.ceil(record.expiresAt / 1000) - Math.floor(at / 1000)),
    )
    const issued = {
      accessToken,
      expiresIn,
      ...(refresh === undefined ? {} : { refreshToken: refresh }),
    }
    if (cookieless(request)) return { record, setCookies: [], tokens: issued }
    const setCookies = [accessCookie(accessToken, request, { record, now: at })]
    if (refresh !== undefined) setCookies.push(refreshCookie(refresh, request, record, at))
    return { record, setCookies, tokens: issued }
  }

  // RT-7: the refresh cookie is SameSite=Strict, so no cross-site request can make the
  // middleware rotate it. Its Path is the access cookie's (`/` by default, and its name then
  // `__Host-`) because the refresh happens inside the middleware on whatever route the expired
  // access token reaches; see carriers.md. It is written only at login and at each rotation, so
  // for a "remember me" session it lasts until the family's absolute deadline (not the rolling
  // idle deadline, which a later touch moves without rewriting it); the server checks the
  // session's own deadline on every refresh.
  function refreshCookie(
    token: string,
    request: CarrierRequest,
    record: SessionRecord,
    at: number,
  ): string {
    const n = names(request)
    const chosen = record.maxAgeSeconds
    const lifetime = {
      record: {
        expiresAt: record.createdAt + absoluteMs,
        ...(chosen === undefined
          ? {}
          : { maxAgeSeconds: chosen === null ? null : absoluteMs / 1000 }),
      },
      now: at,
    }
    return setCookie(n.refresh, token, attributes(n.secure, true, lifetime), at)
  }

  function clear(request: CarrierRequest): string[] {
    if (cookieless(request)) return []
    const n = names(request)
    return [
      deleteCookie(n.access, attributes(n.secure, false)),
      deleteCookie(n.refresh, attributes(n.secure, true)),
    ]
  }

  function refuse(reason: TesseraErrorCode, request: CarrierRequest): CarrierLoad {
    return {
      record: null,
      reason,
      setCookies: request.cookieHeader === undefined ? [] : clear(request),
    }
  }

  /** The access token's session, confirmed live (and freshened) through the ≤ 1 s cache. */
  async function confirm(
    record: SessionRecord,
    request: CarrierRequest,
    fromCookie: boolean,
  ): Promise<CarrierLoad> {
    if (live === null) return { record, reason: null, setCookies: NO_COOKIES }
    const stored = await live.get(record.idHash, () =>
      storeCall('get', store.sessions.get(record.idHash)),
    )
    return confirmed(record, stored, request, fromCookie)
  }

  /** The access token's session, given what the store holds for it. */
  function confirmed(
    record: SessionRecord,
    stored: SessionRecord | null,
    request: CarrierRequest,
    fromCookie: boolean,
  ): CarrierLoad {
    if (stored === null || stored.userId !== record.userId) {
      return refuse('ERR_SESSION_NOT_FOUND', request)
    }
    // Another request (another tab, another process) wrote since this token was issued.
    if (stored.version > record.version) {
      return {
        record: stored,
        reason: null,
        setCookies: fromCookie ? issue(stored, request).setCookies : NO_COOKIES,
      }
    }
    return { record: withDevice(record, stored), reason: null, setCookies: NO_COOKIES }
  }

  /** The access token the request presents: from the header or the cookie, null if duplicated. */
  function presented(request: CarrierRequest, n: CookieNames, bearer: string | undefined) {
    return bearer ?? (accept === 'bearer' ? undefined : readCookie(request.cookieHeader, n.access))
  }

  /** What the store holds for `idHash`, through the revocation cache, or MISSING. */
  function storedNow(idHash: string): SessionRecord | null | typeof MISSING {
    const cached = live!.peek(idHash, MISSING)
    if (cached !== MISSING) return cached
    // A store that answers at once is asked at once (and the answer kept as `get` would).
    const get = syncOf(store.sessions.get)
    if (get === undefined) return MISSING
    const startedAt = now()
    const stored = answerNow('get', () => get(idHash))
    live!.remember(idHash, stored, startedAt)
    return stored
  }

  const family = createRefreshFlow({
    store,
    storeCall,
    absoluteMs,
    graceSeconds,
    successorKey: refreshSuccessorKey(options.keys),
    live,
    onRefreshReuse: options.onRefreshReuse,
  })

  async function refresh(token: string, request: CarrierRequest, at: number): Promise<CarrierLoad> {
    const rotated = await family.rotate(token, at)
    if (rotated.record === null) return refuse(rotated.reason, request)
    const { record } = rotated
    return { record, reason: null, setCookies: issue(record, request, rotated.next).setCookies }
  }

  return {
    kind: 'token',

    async load(request, at) {
      const header = request.cookieHeader
      const n = names(request)
      const bearer = accept === 'cookie' ? undefined : bearerToken(request.authorization)
      // IN-5: two cookies of one name that disagree (readCookie gives null) are refused.
      const token = presented(request, n, bearer)
      if (token === null) return refuse('ERR_TOKEN_MALFORMED', request)
      let failure: TesseraErrorCode | null = null
      if (token !== undefined) {
        const verified = tokens.verify(token, at)
        if (verified.record !== null) return confirm(verified.record, request, bearer === undefined)
        failure = verified.reason
      }
      // An expired (or unreadable) access token with a refresh cookie: refresh here, so that
      // routes never see it.
      const refreshToken = readCookie(header, n.refresh)
      if (refreshToken === null) return refuse('ERR_TOKEN_MALFORMED', request)
      if (refreshToken !== undefined) return refresh(refreshToken, request, at)
      return failure === null
        ? { record: null, reason: null, setCookies: [] }
        : refuse(failure, request)
    },

    // The common case without a promise: a genuine access token whose session the revocation
    // cache answers for. Anything else (no token, a refresh, a cache miss) goes through `load`.
    loadNow(request, at) {
      const bearer = accept === 'cookie' ? undefined : bearerToken(request.authorization)
      const token = presented(request, names(request), bearer)
      if (typeof token !== 'string') return undefined
      const verified = tokens.verify(token, at)
      if (verified.record === null) return undefined
      const record = verified.record
      if (live === null) return { record, reason: null, setCookies: NO_COOKIES }
      const stored = storedNow(record.idHash)
      if (stored === MISSING) return undefined
      return confirmed(record, stored, request, bearer === undefined)
    },

    writesNow: () =>
      syncOf(store.sessions.replace) !== undefined && syncOf(store.sessions.touch) !== undefined,

    replaceNow(record, expectedVersion, request) {
      const written = issue(record, request) // refuses oversized data before any write
      const replace = syncOf(store.sessions.replace)!
      const ok = answerNow('replace', () => replace(record, expectedVersion))
      live?.invalidate(record.idHash)
      return ok ? written : null
    },

    touchNow(record, request) {
      const written = issue(record, request)
      const touch = syncOf(store.sessions.touch)!
      answerNow('touch', () => touch(record.idHash, record.lastSeenAt, record.expiresAt))
      return written
    },

    async create(draft, request) {
      const record: SessionRecord = { ...draft, idHash: sha256(randomId()) }
      const at = now()
      const access = tokens.sign(record, at) // refuses oversized data before any write
      await storeCall('create', store.sessions.create(record))
      return issue(record, request, await family.start(record), at, access)
    },

    async replace(record, expectedVersion, request) {
      const written = issue(record, request) // refuses oversized data before any write
      const ok = await storeCall('replace', store.sessions.replace(record, expectedVersion))
      live?.invalidate(record.idHash)
      return ok ? written : null
    },

    reload: (idHash) => storeCall('get', store.sessions.get(idHash)),

    async touch(record, request): Promise<CarrierWrite> {
      const written = issue(record, request)
      await storeCall(
        'touch',
        store.sessions.touch(record.idHash, record.lastSeenAt, record.expiresAt),
      )
      return written
    },

    async destroy(idHash, request) {
      await storeCall('delete', store.sessions.delete(idHash))
      await storeCall('revokeFamily', store.refreshTokens.revokeFamily(idHash, now()))
      live?.invalidate(idHash)
      return clear(request)
    },

    clearCookies: clear,

    async exchange(refreshToken, at) {
      const rotated = await family.rotate(refreshToken, at)
      if (rotated.record === null) return rotated
      const { record } = rotated
      return { record, tokens: issue(record, API_CLIENT, rotated.next).tokens as IssuedTokens }
    },
    listByUser: (userId) => storeCall('listByUser', store.sessions.listByUser(userId)),

    async deleteByUser(userId, exceptIdHash) {
      const records = await storeCall('listByUser', store.sessions.listByUser(userId))
      const count = await storeCall(
        'deleteByUser',
        store.sessions.deleteByUser(userId, exceptIdHash),
      )
      const at = now()
      for (const r of records) {
        if (r.idHash === exceptIdHash) continue
        await storeCall('revokeFamily', store.refreshTokens.revokeFamily(r.idHash, at))
        live?.invalidate(r.idHash)
      }
      return count
    },
  }
}

/** The access and refresh cookies' names for one cookie identity. */
interface CookieNames {
  readonly access: string
  readonly refresh: string
  readonly secure: boolean
}

const NO_COOKIES: readonly string[] = Object.freeze([])
const MISSING = Symbol('missing')

/** The request of an API client's refresh call: no cookie header, its tokens travel in bodies. */
const API_CLIENT: CarrierRequest = {
  cookieHeader: undefined,
  secure: false,
  authorization: 'Bearer -',
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  return BEARER.exec(header)?.[1]
}

/**
 * The token's record with the device (ip, user agent) the store keeps for it: a token carries
 * none, and the next write of this record would otherwise store it without one (list() shows it).
 */
function withDevice(record: SessionRecord, stored: SessionRecord): SessionRecord {
  const meta = stored.meta
  if (meta.ip === record.meta.ip && meta.userAgent === record.meta.userAgent) return record
  return { ...record, meta }
}
