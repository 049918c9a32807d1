import type { Clock } from '../clock.js'
import { positiveInteger } from '../options.js'

/**
 * The longest a revocation check may be answered from memory: a session revoked in any process
 * is refused by every other process at most this long afterwards (milliseconds).
 */
export const MAX_REVOCATION_CACHE_MS = 1000

/** Options of `createRevocationCache`. */
export interface RevocationCacheOptions {
  /** How long an answer is reused, in milliseconds; 1 to 1000. Default 1000. */
  readonly lifetimeMs?: number
  /** Bound on the number of keys kept; the oldest are dropped first. Default 10 000. */
  readonly maxEntries?: number
  /** Where the time comes from. Default `Date`. */
  readonly clock?: Clock
}

/**
 * A per-process cache of revocation answers (is this session still live?), shared by every
 * request of the process. An answer is reused for at most `lifetimeMs`, counted from the moment
 * its store lookup *started*, so it is never older than that; concurrent lookups of one key
 * share a single store call.
 */
export interface RevocationCache<Value> {
  /** The cached answer for `key`, or the one `load` gives (shared with concurrent callers). */
  get(key: string, load: () => Promise<Value>): Promise<Value>
  /**
   * The cached answer for `key` when it is settled and young enough, without a promise; else
   * `missing` (and the caller asks `get`).
   */
  peek<Missing>(key: string, missing: Missing): Value | Missing
  /**
   * Remembers `value` as the answer for `key` of a lookup that started at `startedAt` and was
   * answered synchronously (a store that answers at once).
   */
  remember(key: string, value: Value, startedAt: number): void
  /** Forgets `key` at once: this process revoked it, so it must not wait for the lifetime. */
  invalidate(key: string): void
  /** Forgets every key. */
  clear(): void
  /** Number of keys held (answers and lookups in flight). */
  readonly size: number
}

interface Entry<Value> {
  /** When the store lookup started: the answer describes the store at or after this instant. */
  readonly startedAt: number
  readonly promise: Promise<Value>
  /** True once `promise` fulfilled, with `value` its value. */
  settled: boolean
  value: Value | undefined
}

/**
 * Creates a revocation cache. A failed lookup is never cached: the next request asks again.
 *
 * @example
 * const cache = createRevocationCache<SessionRecord | null>({ clock })
 * const record = await cache.get(sidHash, () => store.sessions.get(sidHash))
 */
export function createRevocationCache<Value>(
  options: RevocationCacheOptions = {},
): RevocationCache<Value> {
  const lifetimeMs = positiveInteger(
    options,
    'lifetimeMs',
    MAX_REVOCATION_CACHE_MS,
    MAX_REVOCATION_CACHE_MS,
  )
  const maxEntries = positiveInteger(options, 'maxEntries', 10_000)
  const clock = options.clock ?? Date
  const now = () => clock.now()
  // A Map iterates in insertion order, and entries are re-inserted when refreshed, so the first
  // key is always the oldest: eviction is O(1).
  const entries = new Map<string, Entry<Value>>()

  function start(key: string, load: () => Promise<Value>, at: number): Promise<Value> {
    let promise: Promise<Value>
    try {
      promise = load()
    } catch (err) {
      promise = Promise.reject(err as Error)
    }
    const entry: Entry<Value> = { startedAt: at, promise, settled: false, value: undefined }
    keep(key, entry)
    promise.then(
      (value) => {
        entry.value = value
        entry.settled = true
      },
      () => {
        if (entries.get(key) === entry) entries.delete(key)
      },
    )
    return promise
  }

  function keep(key: string, entry: Entry<Value>): void {
    entries.delete(key)
    entries.set(key, entry)
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value as string
      entries.delete(oldest)
    }
  }

  return {
    get(key, load) {
      const at = now()
      const entry = entries.get(key)
      // Shared, settled or still in flight, only while younger than the lifetime: a lookup that
      // started earlier could describe the store from before a revocation.
      if (entry !== undefined && at - entry.startedAt < lifetimeMs) return entry.promise
      return start(key, load, at)
    },
    peek(key, missing) {
      const entry = entries.get(key)
      if (entry === undefined || !entry.settled || now() - entry.startedAt >= lifetimeMs) {
        return missing
      }
      return entry.value as Value
    },
    remember(key, value, startedAt) {
      keep(key, { startedAt, promise: Promise.resolve(value), settled: true, value })
    },
    invalidate(key) {
      entries.delete(key)
    },
    clear() {
      entries.clear()
    },
    get size() {
      return entries.size
    },
  }
}
