// The `server` carrier: the browser holds only an opaque 256-bit random id; the record lives in
// a store under the id's SHA-256, so a leaked store yields no live cookie (SID-1..SID-4).
import { sha256 } from '../../../crypto/hash.js'
import { RANDOM_ID_BYTES, randomBytesBuffer } from '../../../crypto/random.js'
import type { TesseraErrorCode } from '../../../errors.js'
import { withLifetime, type SessionRecord, type Store } from '../../../stores/store.js'
import {
  cookieIdentity,
  type Carrier,
  type CarrierCookieOptions,
  type CarrierLoad,
  type CarrierRequest,
  type CarrierWrite,
  type SessionDraft,
} from '../../carrier.js'
import { deleteCarrierCookie, readCookie, setCarrierCookie } from '../../carrier-cookie.js'
import { answerNow, storeCaller } from '../../store-call.js'
import { syncOf } from '../../../stores/sync.js'

/** Options of `createServerCarrier`. */
export interface ServerCarrierOptions {
  readonly store: Store
  readonly cookie: CarrierCookieOptions
  /** A store call that has not answered after this long fails as ERR_STORE_UNAVAILABLE (SO-1). Default 1. */
  readonly storeTimeoutSeconds?: number | undefined
}

// Exactly what nextSessionId() produces: 43 base64url characters, the last carrying 2
// unused bits that must be zero (canonical form), checked without decoding.
const SESSION_ID = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/

/**
 * Creates the server carrier. The cookie holds 32 bytes from the CSPRNG (43
 * base64url characters); the store is only ever given `sha256(id)`.
 *
 * @example
 * const carrier = createServerCarrier({ store, cookie: { name: 'tessera', secure: 'auto' } })
 */
export function createServerCarrier(options: ServerCarrierOptions): Carrier {
  const { store, cookie } = options
  const sessions = store.sessions
  const storeCall = storeCaller(options.storeTimeoutSeconds)

  function refuse(reason: TesseraErrorCode, request: CarrierRequest): CarrierLoad {
    return { record: null, reason, setCookies: [deleteCarrierCookie(cookie, request)] }
  }

  /**
   * After a write that moved the session's deadline: a "remember me" session (login chose
   * `maxAgeSeconds`) gets its cookie again with a renewed `Max-Age`, so the cookie rolls with the
   * session (at most once per touch interval, or per data write). Only when the request carries
   * this very session's id: a session created earlier in the same request already sent its own.
   * Any other session's cookie stays as it is.
   */
  function renewedCookie(record: SessionRecord, request: CarrierRequest): CarrierWrite {
    if (typeof record.maxAgeSeconds !== 'number') return unchangedCookie(record)
    const id = readCookie(request.cookieHeader, cookieIdentity(cookie, request).name)
    if (typeof id !== 'string' || !isSessionId(id) || sha256(id) !== record.idHash) {
      return unchangedCookie(record)
    }
    const lifetime = { record, now: record.lastSeenAt }
    return { record, setCookies: [setCarrierCookie(cookie, request, id, lifetime)] }
  }

  /** The well-formed session id the request presents, or the load's outcome when there is none. */
  function presented(request: CarrierRequest): string | CarrierLoad {
    if (request.cookieHeader === undefined) return NO_SESSION
    const value = readCookie(request.cookieHeader, cookieIdentity(cookie, request).name)
    if (value === undefined) return NO_SESSION
    // IN-5: two cookies of this name that disagree are refused rather than guessed between.
    if (value === null || !isSessionId(value)) return refuse('ERR_TOKEN_MALFORMED', request)
    return value
  }

  function found(record: SessionRecord | null, request: CarrierRequest): CarrierLoad {
    if (record === null) return refuse('ERR_SESSION_NOT_FOUND', request)
    return { record, reason: null, setCookies: NO_COOKIES }
  }

  function created(draft: SessionDraft, request: CarrierRequest) {
    const id = nextSessionId()
    // Only a login that chose a lifetime adds the field: records without it stay as they were.
    const record = withLifetime(
      {
        idHash: sha256(id),
        userId: draft.userId,
        data: draft.data,
        version: draft.version,
        createdAt: draft.createdAt,
        authenticatedAt: draft.authenticatedAt,
        lastSeenAt: draft.lastSeenAt,
        expiresAt: draft.expiresAt,
        meta: draft.meta,
      },
      draft.maxAgeSeconds,
    )
    const lifetime = { record, now: record.lastSeenAt }
    return { record, setCookies: [setCarrierCookie(cookie, request, id, lifetime)] }
  }

  return {
    kind: 'server',

    async load(request) {
      const id = presented(request)
      if (typeof id !== 'string') return id
      return found(await storeCall('get', sessions.get(sha256(id))), request)
    },

    loadNow(request) {
      const get = syncOf(sessions.get)
      if (get === undefined) return undefined
      const id = presented(request)
      if (typeof id !== 'string') return id
      return found(
        answerNow('get', () => get(sha256(id))),
        request,
      )
    },

    writesNow: () =>
      syncOf(sessions.replace) !== undefined &&
      syncOf(sessions.create) !== undefined &&
      syncOf(sessions.touch) !== undefined,

    async create(draft, request) {
      const write = created(draft, request)
      await storeCall('create', sessions.create(write.record))
      return write
    },

    createNow(draft, request) {
      const write = created(draft, request)
      const create = syncOf(sessions.create)!
      answerNow('create', () => create(write.record))
      return write
    },

    async replace(record, expectedVersion, request) {
      const ok = await storeCall('replace', sessions.replace(record, expectedVersion))
      return ok ? renewedCookie(record, request) : null
    },

    replaceNow(record, expectedVersion, request) {
      const replace = syncOf(sessions.replace)!
      return answerNow('replace', () => replace(record, expectedVersion))
        ? renewedCookie(record, request)
        : null
    },

    reload: (idHash) => storeCall('get', sessions.get(idHash)),

    async touch(record, request) {
      await storeCall('touch', sessions.touch(record.idHash, record.lastSeenAt, record.expiresAt))
      return renewedCookie(record, request)
    },

    touchNow(record, request) {
      const touch = syncOf(sessions.touch)!
      answerNow('touch', () => touch(record.idHash, record.lastSeenAt, record.expiresAt))
      return renewedCookie(record, request)
    },

    async destroy(idHash, request) {
      await storeCall('delete', sessions.delete(idHash))
      return [deleteCarrierCookie(cookie, request)]
    },

    clearCookies: (request) => [deleteCarrierCookie(cookie, request)],
    listByUser: (userId) => storeCall('listByUser', sessions.listByUser(userId)),
    deleteByUser: (userId, exceptIdHash) =>
      storeCall('deleteByUser', sessions.deleteByUser(userId, exceptIdHash)),
  }
}

/** The id never changes on a data write, so the browser's cookie usually stays as it is. */
function unchangedCookie(record: SessionRecord): CarrierWrite {
  return { record, setCookies: NO_COOKIES }
}

const NO_COOKIES: readonly string[] = Object.freeze([])
const NO_SESSION: CarrierLoad = Object.freeze({
  record: null,
  reason: null,
  setCookies: NO_COOKIES,
})

// One CSPRNG call per 128 ids instead of one per login: the call, not the bytes, is what costs.
// Every byte is used for one id only, and the pool is refilled, never reused.
const POOL_IDS = 128
let pool: Buffer = Buffer.alloc(0)
let poolOffset = 0

/** 32 fresh bytes from the operating system's CSPRNG, base64url (43 characters). */
function nextSessionId(): string {
  if (poolOffset >= pool.length) {
    pool = randomBytesBuffer(RANDOM_ID_BYTES * POOL_IDS)
    poolOffset = 0
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + RANDOM_ID_BYTES)
  pool.fill(0, poolOffset, poolOffset + RANDOM_ID_BYTES) // no copy of a live id stays behind
  poolOffset += RANDOM_ID_BYTES
  return id
}

function isSessionId(value: string): boolean {
  return value.length === 43 && SESSION_ID.test(value)
}
