// The `server` carrier: the browser holds only an opaque 256-bit random id; the record lives in
// a store under the id's SHA-256, so a leaked store yields no live cookie (SID-1..SID-4).
import { sha256 } from '../../../crypto/hash.js'
import { RANDOM_ID_BYTES, randomBytesBuffer } from '../../../crypto/random.js'
import { isTesseraError, TesseraError, type TesseraErrorCode } from '../../../errors.js'
import type { SessionRecord, Store } from '../../../stores/store.js'
import {
  cookieIdentity,
  type Carrier,
  type CarrierCookieOptions,
  type CarrierLoad,
  type CarrierRequest,
  type CarrierWrite,
} from '../../carrier.js'
import { clearingCookie, readCookie, sessionCookie } from '../../session-cookie.js'

/** Options of `createServerCarrier`. */
export interface ServerCarrierOptions {
  readonly store: Store
  readonly cookie: CarrierCookieOptions
  /** A store call that has not answered after this long fails as ERR_STORE_UNAVAILABLE (SO-1). Default 2. */
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
  const timeoutMs = (options.storeTimeoutSeconds ?? 2) * 1000
  const storeCall = <T>(operation: string, pending: Promise<T>): Promise<T> =>
    bounded(operation, pending, timeoutMs)

  function refuse(reason: TesseraErrorCode, request: CarrierRequest): CarrierLoad {
    return { record: null, reason, setCookies: [clearingCookie(cookie, request)] }
  }

  return {
    kind: 'server',

    async load(request) {
      const name = cookieIdentity(cookie, request).name
      const value = readCookie(request.cookieHeader, name)
      if (value === undefined) return { record: null, reason: null, setCookies: [] }
      // IN-5: two cookies of this name that disagree are refused rather than guessed between.
      if (value === null || !isSessionId(value)) return refuse('ERR_TOKEN_MALFORMED', request)
      const record = await storeCall('get', sessions.get(sha256(value)))
      if (record === null) return refuse('ERR_SESSION_NOT_FOUND', request)
      return { record, reason: null, setCookies: [] }
    },

    async create(draft, request) {
      const id = nextSessionId()
      const record: SessionRecord = { ...draft, idHash: sha256(id) }
      await storeCall('create', sessions.create(record))
      return { record, setCookies: [sessionCookie(cookie, request, id)] }
    },

    async replace(record, expectedVersion) {
      const ok = await storeCall('replace', sessions.replace(record, expectedVersion))
      return ok ? unchangedCookie(record) : null
    },

    reload: (idHash) => storeCall('get', sessions.get(idHash)),

    async touch(record) {
      await storeCall('touch', sessions.touch(record.idHash, record.lastSeenAt, record.expiresAt))
      return unchangedCookie(record)
    },

    async destroy(idHash, request) {
      await storeCall('delete', sessions.delete(idHash))
      return [clearingCookie(cookie, request)]
    },

    clearCookies: (request) => [clearingCookie(cookie, request)],
    listByUser: (userId) => storeCall('listByUser', sessions.listByUser(userId)),
    deleteByUser: (userId, exceptIdHash) =>
      storeCall('deleteByUser', sessions.deleteByUser(userId, exceptIdHash)),
  }
}

/** The id never changes on a data write, so the browser's cookie stays as it is. */
function unchangedCookie(record: SessionRecord): CarrierWrite {
  return { record, setCookies: [] }
}

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

/**
 * Awaits a store call for at most `timeoutMs`, so a hung store fails the request fast instead of
 * holding it; a driver's failure becomes ERR_STORE_UNAVAILABLE with the driver's error as cause.
 */
export async function bounded<T>(
  operation: string,
  pending: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  // One shared watchdog instead of a timer (and an Error) per call: this wraps every store call
  // of every request, and a setTimeout plus a stack trace each cost more than the call itself.
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter = {
      deadline: Date.now() + timeoutMs,
      timeoutMs,
      fail: (cause) => reject(storeError(operation, cause)),
    }
    waiters.add(waiter)
    if (watchdog === undefined) {
      // Not unref'd: it runs only while a store call is in flight, which is work outstanding.
      watchdog = setInterval(failOverdue, WATCHDOG_TICK_MS)
    }
    pending.then(
      (value) => {
        waiters.delete(waiter)
        resolve(value)
      },
      (cause: unknown) => {
        waiters.delete(waiter)
        waiter.fail(cause)
      },
    )
  })
}

interface Waiter {
  readonly deadline: number
  readonly timeoutMs: number
  readonly fail: (cause: unknown) => void
}

const WATCHDOG_TICK_MS = 25
const waiters = new Set<Waiter>()
let watchdog: ReturnType<typeof setInterval> | undefined

function failOverdue(): void {
  const now = Date.now()
  for (const waiter of waiters) {
    if (waiter.deadline > now) continue
    waiters.delete(waiter)
    waiter.fail(new Error(`no answer within ${waiter.timeoutMs} ms`))
  }
  if (waiters.size === 0) {
    clearInterval(watchdog)
    watchdog = undefined
  }
}

function storeError(operation: string, cause: unknown): unknown {
  if (isTesseraError(cause)) return cause
  return new TesseraError('ERR_STORE_UNAVAILABLE', `session store ${operation} failed`, { cause })
}
