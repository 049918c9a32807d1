// The `cookie` carrier: the whole session lives in the browser, sealed with AES-256-GCM under the
// keyring (KM-5), bound to the cookie name and this purpose, with its deadlines inside the seal
// (TO-5). Without a store nothing is kept on the server. With a store, signed-in sessions also
// get a small record (no data) so that list, revoke and logout-everywhere work, and every request
// checks that record through a cache that answers for at most one second (LO-2).
import type { Clock } from '../../../clock.js'
import { MAX_COOKIE_BYTES, parseCookie, parseCookieAll } from '../../../cookie/codec.js'
import { sealValue, unsealValue } from '../../../cookie/sealed.js'
import { sha256 } from '../../../crypto/hash.js'
import type { Keyring } from '../../../crypto/keyring.js'
import { randomId } from '../../../crypto/random.js'
import { TesseraError, type TesseraErrorCode } from '../../../errors.js'
import type { SessionRecord, Store } from '../../../stores/store.js'
import {
  cookieIdentity,
  type Carrier,
  type CarrierCookieOptions,
  type CarrierLoad,
  type CarrierRequest,
  type CarrierWrite,
  type SessionDraft,
} from '../../carrier.js'
import {
  checkChunkOptions,
  chunkName,
  DEFAULT_MAX_CHUNKS,
  MAX_CHUNKS_LIMIT,
  joinCookieChunks,
  presentChunkNames,
  splitCookieValue,
} from './cookie-chunks.js'
import { decodeCookieState, encodeCookieState } from '../../record-codec.js'
import { clone } from '../../session-data.js'
import { createRevocationCache, type RevocationCache } from '../../revocation-cache.js'
import { createVerifiedCache } from '../../verified-cache.js'
import { COOKIE_CARRIER_PURPOSE } from '../../carrier-keys.js'
import {
  readCookie,
  setCookie,
  carrierCookieAttributes,
  deleteCookie,
} from '../../carrier-cookie.js'
import { storeCaller } from '../../store-call.js'

/** Options of `createCookieCarrier`. */
export interface CookieCarrierOptions {
  /** Secrets that seal (the newest) and open (all) the cookie. */
  readonly keys: Keyring
  readonly cookie: CarrierCookieOptions
  /**
   * Optional. With a store, signed-in sessions get a small record there (no data) so that
   * `list`, `revoke` and `logoutEverywhere` work and a revoked cookie is refused within one
   * second. Without one, the server keeps nothing and a copied cookie lives until its deadline.
   */
  readonly store?: Store | undefined
  /**
   * Most cookies one session may be split across (`name.0`, `name.1`, …), each at most 4096
   * bytes; 1 turns chunking off. Larger state is refused with `ERR_COOKIE_INVALID`. Default 3.
   */
  readonly maxChunks?: number | undefined
  /** A store call unanswered after this many seconds fails with `ERR_STORE_UNAVAILABLE`. Default 1. */
  readonly storeTimeoutSeconds?: number | undefined
  /** The clock of cookie deadlines and of the revocation cache. Default `Date`. */
  readonly clock?: Clock | undefined
  /** How often the store's record follows a session that keeps writing (seconds). Default 60. */
  readonly touchIntervalSeconds?: number | undefined
}

/**
 * Creates the cookie carrier. Concurrent requests of one browser each send back a whole new
 * cookie, so the last response wins (CO-6): keep counters that must not lose increments in a
 * server-side carrier.
 *
 * @example
 * const carrier = createCookieCarrier({ keys, cookie: { name: 'tessera', secure: 'auto' } })
 */
export function createCookieCarrier(options: CookieCarrierOptions): Carrier {
  const { keys, cookie, store } = options
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS
  checkChunkOptions(maxChunks)
  const clock = options.clock ?? Date
  const touchIntervalMs = (options.touchIntervalSeconds ?? 60) * 1000
  // SO-1: every store call is bounded, so a hung store answers 503 fast.
  const storeCall = storeCaller(options.storeTimeoutSeconds)
  const binding = { name: cookie.name, purpose: COOKIE_CARRIER_PURPOSE }
  const openedSeals = createVerifiedCache<Opened>()
  const live: RevocationCache<SessionRecord | null> | null =
    store === undefined ? null : createRevocationCache({ clock })

  /** Set-Cookie values that carry `record`, clearing any chunk of this name no longer used. */
  function write(record: SessionRecord, request: CarrierRequest): CarrierWrite {
    const { name, secure } = cookieIdentity(cookie, request)
    const sealed = sealValue(encodeCookieState(record), keys, {
      ...binding,
      expiresAt: record.expiresAt,
    })
    // The browser sends this seal back on its next request: remembered as opened, that request
    // skips the AES-GCM open and the parse, and gets what opening it would give (a copy of the
    // data, which a handler that kept a reference to it cannot change; the checks run on a hit).
    // (The seal holds no meta: an opened record has none.)
    openedSeals.set(sealed, {
      record: { ...record, data: clone(record.data), meta: {} },
      rotated: false,
    })
    const chunks = splitCookieValue(name, sealed, { maxChunks })
    const now = clock.now()
    // The lifetime chosen at login travels in the seal, so every later write keeps it.
    const at = carrierCookieAttributes(cookie, secure, { record, now })
    const setCookies = chunks.map((c) => setCookie(c.name, c.value, at, now))
    if (mayHoldOthers(request, name, chunks.length)) {
      const written = new Set(chunks.map((c) => c.name))
      for (const stale of presentNames(request, name)) {
        if (!written.has(stale)) setCookies.push(deleteCookie(stale, at))
      }
    }
    return { record, setCookies }
  }

  function clear(request: CarrierRequest): string[] {
    const { name, secure } = cookieIdentity(cookie, request)
    const names = presentNames(request, name)
    const at = carrierCookieAttributes(cookie, secure)
    return (names.length === 0 ? [name] : names).map((n) => deleteCookie(n, at))
  }

  function refuse(reason: TesseraErrorCode, request: CarrierRequest): CarrierLoad {
    return { record: null, reason, setCookies: clear(request) }
  }

  /**
   * The genuine, unexpired seal the request presents (its record still to be checked against
   * the store, if any), or the load's outcome when there is none.
   */
  function unseal(request: CarrierRequest, at: number): CarrierLoad | Opened {
    if (request.cookieHeader === undefined) return noSession
    const { name } = cookieIdentity(cookie, request)
    // The common case, one cookie, is read without parsing the whole header.
    const single = readCookie(request.cookieHeader, name)
    if (single === null) return refuse('ERR_TOKEN_MALFORMED', request) // IN-5: duplicates
    const sealed = single ?? joinCookieChunks(parseCookieAll(request.cookieHeader), name, maxChunks)
    if (sealed === null) {
      const present = presentNames(request, name).length > 0
      return present ? refuse('ERR_TOKEN_MALFORMED', request) : noSession
    }
    const opened = open(sealed)
    if (opened === null) return refuse('ERR_SIGNATURE_INVALID', request)
    if (opened.record.expiresAt <= at) return refuse('ERR_SESSION_EXPIRED', request)
    return opened
  }

  function loaded(opened: Opened, request: CarrierRequest): CarrierLoad {
    // KM-3: a cookie sealed with an older key is sealed again with the newest one.
    const setCookies = opened.rotated ? write(opened.record, request).setCookies : NO_COOKIES
    return { record: opened.record, reason: null, setCookies }
  }

  /**
   * The record a genuine seal holds, and whether an older key sealed it. The seal's own deadline
   * is not checked here (the record's, which is the same instant, is checked by the caller), so
   * that an expired cookie is reported as expired rather than as tampered.
   */
  function open(sealed: string): Opened | null {
    const known = openedSeals.get(sealed)
    if (known !== undefined) return known
    const unsealed = unsealValue(sealed, keys, { ...binding, now: 0 })
    const record = unsealed === null ? null : decodeCookieState(unsealed.value)
    if (unsealed === null || record === null) return null
    const result = {
      record: { ...record, expiresAt: Math.min(record.expiresAt, unsealed.expiresAt) },
      rotated: unsealed.rotated,
    }
    openedSeals.set(sealed, result)
    return result
  }

  /** The store's record of a signed-in session, through the ≤ 1 s cache; null if revoked. */
  function storedRecord(idHash: string): Promise<SessionRecord | null> {
    if (store === undefined || live === null) return Promise.resolve(null)
    return live.get(idHash, () => storeCall('get', store.sessions.get(idHash)))
  }

  async function touchStored(record: SessionRecord): Promise<void> {
    if (store === undefined) return
    await storeCall(
      'touch',
      store.sessions.touch(record.idHash, record.lastSeenAt, record.expiresAt),
    )
    live?.invalidate(record.idHash)
  }

  function requireStore(operation: string): Store {
    if (store === undefined) {
      throw new TesseraError(
        'ERR_CONFIG_INVALID',
        `${operation} needs a store with the cookie carrier: pass store to session()`,
      )
    }
    return store
  }

  // The most sealed bytes maxChunks cookies can hold (the shortest name: no __Host- prefix).
  const capacity =
    maxChunks === 1
      ? MAX_COOKIE_BYTES - cookie.name.length
      : maxChunks * (MAX_COOKIE_BYTES - chunkName(cookie.name, maxChunks - 1).length)

  return {
    kind: 'cookie',

    // A lower bound of the sealed size (base64url of the data's JSON alone) over the capacity
    // means the write would surely fail after the handler; say so at the assignment. A size near
    // the limit is left to the write, which measures it exactly.
    checkData(data, key) {
      const atLeast = Math.ceil((Buffer.byteLength(JSON.stringify(data)) * 4) / 3)
      if (atLeast <= capacity) return
      const named = key ?? largestKey(data)
      throw new TesseraError(
        'ERR_SESSION_DATA_INVALID',
        `session data${named === null ? '' : ` "${named.slice(0, 100)}"`} makes the cookie ` +
          `carrier's sealed session at least ${atLeast} bytes, more than maxChunks (${maxChunks}) ` +
          (maxChunks === 1 ? '(chunking is off) ' : '') +
          `cookies hold (about ${capacity}): store less in the session, raise maxChunks (at most ` +
          `${MAX_CHUNKS_LIMIT}), or use the server carrier`,
      )
    },

    async load(request, at) {
      const unsealed = unseal(request, at)
      if (!('rotated' in unsealed)) return unsealed
      const { record } = unsealed
      if (store !== undefined && record.userId !== null) {
        const stored = await storedRecord(record.idHash)
        if (stored === null || stored.userId !== record.userId) {
          return refuse('ERR_SESSION_NOT_FOUND', request)
        }
      }
      return loaded(unsealed, request)
    },

    // Without a store (or for a visitor, whom the store does not hold) nothing is waited for.
    loadNow(request, at) {
      const unsealed = unseal(request, at)
      if (!('rotated' in unsealed)) return unsealed
      if (store !== undefined && unsealed.record.userId !== null) return undefined
      return loaded(unsealed, request)
    },

    writesNow: () => store === undefined,
    createNow: (draft, request) => write(newRecord(draft), request),
    replaceNow: (record, _expectedVersion, request) => write(record, request),
    touchNow: (record, request) => write(record, request),

    async create(draft, request) {
      const record = newRecord(draft)
      const written = write(record, request) // refuses oversized state before any store write
      if (store !== undefined && record.userId !== null) {
        await storeCall('create', store.sessions.create({ ...record, data: {} }))
      }
      return written
    },

    /**
     * Always succeeds for a live session: the browser holds the only copy, so the last response
     * wins. Null only when the session was revoked (checked through the store, if any).
     */
    async replace(record, _expectedVersion, request) {
      const written = write(record, request)
      if (store !== undefined && record.userId !== null) {
        const stored = await storedRecord(record.idHash)
        if (stored === null) return null
        // The store's copy must keep up with a session that writes on every request (and so is
        // never touched), or it would expire under a live cookie.
        if (record.lastSeenAt - stored.lastSeenAt >= touchIntervalMs) await touchStored(record)
      }
      return written
    },

    // There is no server copy to re-read: a session that lost a write is gone.
    reload: async () => null,

    async touch(record, request) {
      const written = write(record, request)
      if (store !== undefined && record.userId !== null) await touchStored(record)
      return written
    },

    async destroy(idHash, request) {
      if (store !== undefined) {
        await storeCall('delete', store.sessions.delete(idHash))
        live?.invalidate(idHash)
      }
      return clear(request)
    },

    clearCookies: clear,

    listByUser: (userId) =>
      storeCall('listByUser', requireStore('list').sessions.listByUser(userId)),

    async deleteByUser(userId, exceptIdHash) {
      const sessions = requireStore('logoutEverywhere').sessions
      const records = await storeCall('listByUser', sessions.listByUser(userId))
      const count = await storeCall('deleteByUser', sessions.deleteByUser(userId, exceptIdHash))
      for (const r of records) live?.invalidate(r.idHash)
      return count
    },
  }
}

/** What a genuine seal held. Shared between requests through the cache: never mutated. */
interface Opened {
  readonly record: SessionRecord
  readonly rotated: boolean
}

const NO_COOKIES: readonly string[] = Object.freeze([])
const noSession: CarrierLoad = Object.freeze({ record: null, reason: null, setCookies: NO_COOKIES })

/** A new session's record: the draft under a fresh secret's hash. */
function newRecord(draft: SessionDraft): SessionRecord {
  return { ...draft, idHash: sha256(randomId()) }
}

function presentNames(request: CarrierRequest, name: string): string[] {
  return request.cookieHeader === undefined
    ? []
    : presentChunkNames(parseCookie(request.cookieHeader), name)
}

/**
 * True when the request may carry a cookie of `name` that `chunks` do not overwrite (so it must
 * be deleted): a chunk when one cookie is written, the single cookie when chunks are. A header
 * without the name's text holds none, and most requests are told so without a parse.
 */
function mayHoldOthers(request: CarrierRequest, name: string, chunks: number): boolean {
  const header = request.cookieHeader
  return header !== undefined && header.includes(chunks === 1 ? `${name}.` : name)
}

/** The key whose value takes the most room in the JSON, to name in a size error. */
function largestKey(data: Readonly<Record<string, unknown>>): string | null {
  let best: string | null = null
  let size = -1
  for (const key of Object.keys(data)) {
    const length = JSON.stringify(data[key])?.length ?? 0
    if (length > size) [best, size] = [key, length]
  }
  return best
}
