// An in-process store: bounded, expiring, returning copies. For tests and single-process apps.
import type { Clock } from '../clock.js'
import { TesseraError } from '../errors.js'
import { intervalSeconds, positiveInteger, rejectUnknown } from '../options.js'
import {
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type SessionMeta,
  type SessionRecord,
  type SessionStore,
  type Store,
  withLifetime,
} from './store.js'
import { withSync } from './sync.js'
import { jsonClone, type JsonObject } from './json-data.js'

const EMPTY: JsonObject = Object.freeze({}) as JsonObject

/** Options of `createMemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Most sessions (and, separately, most refresh tokens) held at once; default 100 000. When full,
   * a write first drops expired records, then evicts the records closest to expiry: about 1/128 of
   * `maxEntries` at once, so that a full store scans once per batch rather than on every write.
   * Records of visitors who are not signed in go first, and a visitor's record never evicts a
   * signed-in one: when only signed-in records are left, a new visitor's record is refused
   * (`ERR_STORE_UNAVAILABLE`), so a flood of anonymous writes cannot log anyone out.
   */
  readonly maxEntries?: number
  /** How often expired records are swept (an unref'd timer); `0` turns it off; default 60. Reads never return them anyway. */
  readonly sweepIntervalSeconds?: number
  /** Where "now" comes from when deciding what has expired; default `Date.now`. */
  readonly clock?: Clock
}

// One stored session, kept small: the key holds the id hash, and `data` is a private copy with
// JSON's semantics (what a JSON round trip would give), which nobody else can reach: a read
// hands out a copy of it. Walking small data is cheaper than serialising and parsing it.
class SessionEntry {
  userId: string | null
  data: JsonObject
  version: number
  createdAt: number
  authenticatedAt: number | null
  lastSeenAt: number
  expiresAt: number
  ip: string | undefined
  userAgent: string | undefined
  maxAgeSeconds: number | null | undefined

  constructor(r: SessionRecord) {
    this.userId = r.userId
    this.data = EMPTY
    this.version = 0
    this.createdAt = 0
    this.authenticatedAt = null
    this.lastSeenAt = 0
    this.expiresAt = 0
    this.ip = undefined
    this.userAgent = undefined
    this.maxAgeSeconds = undefined
    this.assign(r)
  }

  /** Takes every field of `r` but the user, which indexes the entry and must not change here. */
  assign(r: SessionRecord): void {
    this.data = jsonClone(r.data)
    this.version = r.version
    this.createdAt = r.createdAt
    this.authenticatedAt = r.authenticatedAt
    this.lastSeenAt = r.lastSeenAt
    this.expiresAt = r.expiresAt
    this.ip = r.meta.ip
    this.userAgent = r.meta.userAgent
    this.maxAgeSeconds = r.maxAgeSeconds
  }

  toRecord(idHash: string): SessionRecord {
    const meta: { ip?: string; userAgent?: string } = {}
    if (this.ip !== undefined) meta.ip = this.ip
    if (this.userAgent !== undefined) meta.userAgent = this.userAgent
    const record = {
      idHash,
      userId: this.userId,
      data: jsonClone(this.data),
      version: this.version,
      createdAt: this.createdAt,
      authenticatedAt: this.authenticatedAt,
      lastSeenAt: this.lastSeenAt,
      expiresAt: this.expiresAt,
      meta: meta satisfies SessionMeta,
    }
    return withLifetime(record, this.maxAgeSeconds)
  }
}

/** A key → members index that holds a lone member as a bare string (most users have one session). */
class MultiIndex {
  readonly #map = new Map<string, string | Set<string>>()

  add(key: string, member: string): void {
    const current = this.#map.get(key)
    if (current === undefined) this.#map.set(key, member)
    else if (typeof current === 'string') {
      if (current !== member) this.#map.set(key, new Set([current, member]))
    } else current.add(member)
  }

  remove(key: string, member: string): void {
    const current = this.#map.get(key)
    if (current === member) this.#map.delete(key)
    else if (typeof current === 'object') {
      current.delete(member)
      if (current.size === 1) this.#map.set(key, current.values().next().value!)
    }
  }

  members(key: string): string[] {
    const current = this.#map.get(key)
    if (current === undefined) return []
    return typeof current === 'string' ? [current] : [...current]
  }
}

/**
 * Records under string keys, with an index by a second key (user id, token family), a bound on
 * their number and lazy expiry. Values are never handed out: callers copy what they return.
 */
class ExpiringTable<V extends { expiresAt: number }> {
  readonly #map = new Map<string, V>()
  readonly #index = new MultiIndex()
  readonly #indexKey: (value: V) => string | null
  readonly #maxEntries: number
  readonly #clock: Clock
  /** True for a value that may be evicted before the others, and may evict only its likes. */
  readonly #anonymous: (value: V) => boolean

  constructor(
    indexKey: (value: V) => string | null,
    maxEntries: number,
    clock: Clock,
    anonymous: (value: V) => boolean,
  ) {
    this.#indexKey = indexKey
    this.#maxEntries = maxEntries
    this.#clock = clock
    this.#anonymous = anonymous
  }

  /** The value if it is live; an expired one is removed on the way. */
  live(key: string): V | undefined {
    const value = this.#map.get(key)
    if (value === undefined || value.expiresAt > this.#clock.now()) return value
    this.delete(key)
    return undefined
  }

  /** The value, live or not (for writes that must see what is stored). */
  peek(key: string): V | undefined {
    return this.#map.get(key)
  }

  /** Stores `value` under `key`, moving its index entry; makes room first when full. */
  set(key: string, value: V): void {
    if (this.#map.has(key)) this.delete(key)
    else if (this.#map.size >= this.#maxEntries) this.#makeRoom(this.#anonymous(value))
    this.#map.set(key, value)
    const indexKey = this.#indexKey(value)
    if (indexKey !== null) this.#index.add(indexKey, key)
  }

  /** Replaces the value without touching the index (the index key must be unchanged). */
  update(key: string, value: V): void {
    this.#map.set(key, value)
  }

  delete(key: string): void {
    const value = this.#map.get(key)
    if (value === undefined) return
    this.#map.delete(key)
    const indexKey = this.#indexKey(value)
    if (indexKey !== null) this.#index.remove(indexKey, key)
  }

  /** The keys indexed under `indexKey`, live or not. */
  keysOf(indexKey: string): string[] {
    return this.#index.members(indexKey)
  }

  /** Removes every value with `expiresAt <= now`; returns how many. */
  sweep(now: number): number {
    let deleted = 0
    for (const [key, value] of this.#map) {
      if (value.expiresAt <= now) {
        this.delete(key)
        deleted++
      }
    }
    return deleted
  }

  // Full: drop what has expired; if that is not enough, evict the values closest to expiry, about
  // 1/128 of the bound at once so that a full table sorts once per batch, not on every write.
  // Anonymous values rank before every other (they go first), and a write of an anonymous value
  // evicts only anonymous ones: when none is left, it is refused rather than evict a user.
  #makeRoom(forAnonymous: boolean): void {
    // One pass drops what has expired and ranks the rest (a sweep, then a pass to rank, walked a
    // full table twice).
    const now = this.#clock.now()
    const ranks = new Float64Array(this.#map.size)
    let ranked = 0
    this.#map.forEach((value, key) => {
      if (value.expiresAt <= now) this.delete(key)
      else ranks[ranked++] = this.#rank(value)
    })
    if (this.#map.size < this.#maxEntries) return
    const count = Math.max(1, Math.floor(this.#maxEntries / 128))
    // The count-th smallest rank, found without sorting them all: sorting 100,000 ranks once per
    // batch was most of what a write into a full table cost.
    const threshold = kthSmallest(ranks.subarray(0, ranked), Math.min(count, ranked))
    let evicted = 0
    for (const [key, value] of this.#map) {
      if (evicted >= count) break
      if (forAnonymous && !this.#anonymous(value)) continue
      if (this.#rank(value) <= threshold) {
        this.delete(key)
        evicted++
      }
    }
    if (evicted === 0) {
      throw new TesseraError(
        'ERR_STORE_UNAVAILABLE',
        `memory store is full (maxEntries ${this.#maxEntries}) of signed-in sessions; a visitor's record does not evict them`,
      )
    }
  }

  /** Eviction order: anonymous values first, then by expiry. */
  #rank(value: V): number {
    return this.#anonymous(value) ? value.expiresAt - ANONYMOUS_FIRST : value.expiresAt
  }
}

/**
 * The `k`-th smallest of `values` (1 ≤ k ≤ length), found by quickselect (Hoare's partition
 * around the middle element): linear on average, and on ranks already in order (the usual
 * case: records are mostly inserted in expiry order) each pivot is the median. Reorders `values`.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  const target = k - 1
  let lo = 0
  let hi = values.length - 1
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const swap = values[i]!
        values[i++] = values[j]!
        values[j--] = swap
      }
    }
    // Now values[lo..j] ≤ pivot ≤ values[i..hi], and everything between equals the pivot.
    if (target <= j) hi = j
    else if (target >= i) lo = i
    else return pivot
  }
  return values[target]!
}

/** Larger than any span of epoch milliseconds: anonymous values rank below every other. */
const ANONYMOUS_FIRST = 2 ** 50

/**
 * An in-memory store: bounded by `maxEntries`, never returns an expired record, returns copies,
 * and sweeps on a timer that does not keep the process alive. State is per process: use SQLite,
 * Redis or PostgreSQL when sessions must survive a restart or be shared.
 *
 * @example
 * app.use(session({ carrier: 'server', keys, store: createMemoryStore({ maxEntries: 50_000 }) }))
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  rejectUnknown(options, ['maxEntries', 'sweepIntervalSeconds', 'clock'], 'createMemoryStore()')
  const maxEntries = positiveInteger(options, 'maxEntries', 100_000)
  const sweepEvery = intervalSeconds(options, 'sweepIntervalSeconds', 60)
  const clock = options.clock ?? Date
  const sessions = new ExpiringTable<SessionEntry>(
    (e) => e.userId,
    maxEntries,
    clock,
    (e) => e.userId === null,
  )
  const tokens = new ExpiringTable<RefreshTokenRecord>(
    (t) => t.familyId,
    maxEntries,
    clock,
    (t) => t.userId === '',
  )
  const timer =
    sweepEvery === 0
      ? undefined
      : setInterval(() => {
          const now = clock.now()
          sessions.sweep(now)
          tokens.sweep(now)
        }, sweepEvery * 1000).unref()
  return {
    sessions: memorySessions(sessions, clock),
    refreshTokens: memoryRefreshTokens(tokens),
    async close() {
      clearInterval(timer)
    },
    async ready() {},
  }
}

function memorySessions(table: ExpiringTable<SessionEntry>, clock: Clock): SessionStore {
  // The per-request calls answer at once: each is also offered synchronously (stores/sync.ts).
  return {
    get: withSync((idHash: string) => table.live(idHash)?.toRecord(idHash) ?? null),
    create: withSync((record: SessionRecord) => {
      table.set(record.idHash, new SessionEntry(record))
    }),
    replace: withSync((record: SessionRecord, expectedVersion: number) => {
      const current = table.live(record.idHash)
      if (current === undefined || current.version !== expectedVersion) return false
      // The same user (every write but a login's): the entry is rewritten where it is, with no
      // new entry, Map slot or index change (entries are never handed out, so none is shared).
      if (current.userId === record.userId) current.assign(record)
      else table.set(record.idHash, new SessionEntry(record))
      return true
    }),
    touch: withSync((idHash: string, lastSeenAt: number, expiresAt: number) => {
      const entry = table.live(idHash)
      if (entry === undefined) return
      entry.lastSeenAt = lastSeenAt
      entry.expiresAt = expiresAt
    }),
    async delete(idHash) {
      table.delete(idHash)
    },
    async listByUser(userId) {
      const out: SessionRecord[] = []
      for (const idHash of table.keysOf(userId)) {
        const entry = table.live(idHash)
        if (entry !== undefined) out.push(entry.toRecord(idHash))
      }
      return out
    },
    async deleteByUser(userId, exceptIdHash) {
      let deleted = 0
      for (const idHash of table.keysOf(userId)) {
        if (idHash === exceptIdHash) continue
        if (table.peek(idHash)!.expiresAt > clock.now()) deleted++
        table.delete(idHash)
      }
      return deleted
    },
    async deleteExpired(now) {
      return table.sweep(now)
    },
  }
}

function memoryRefreshTokens(table: ExpiringTable<RefreshTokenRecord>): RefreshTokenStore {
  return {
    async insert(record) {
      // A token already held stays as it is (a rotation's successor may be issued twice).
      if (table.peek(record.idHash) === undefined) table.set(record.idHash, { ...record })
    },
    async use(idHash, now) {
      const token = table.peek(idHash)
      if (token === undefined || token.expiresAt <= now) return null
      if (token.usedAt === null) table.update(idHash, { ...token, usedAt: now })
      return { ...token }
    },
    async revokeFamily(familyId, now) {
      let changed = 0
      for (const idHash of table.keysOf(familyId)) {
        const token = table.peek(idHash)!
        if (token.revokedAt !== null) continue
        table.update(idHash, { ...token, revokedAt: now })
        changed++
      }
      return changed
    },
    async deleteExpired(now) {
      return table.sweep(now)
    },
  }
}
