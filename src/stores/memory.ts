// An in-process store: bounded, expiring, returning copies. For tests and single-process apps.
import { TesseraError } from '../errors.js'
import type { RefreshTokenRecord, SessionMeta, SessionRecord, Store } from './store.js'

/** Options of `createMemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Most sessions (and, separately, most refresh tokens) held at once; default 100 000. When full,
   * a write first drops expired records, then evicts the records closest to expiry: about 1/128 of
   * `maxEntries` at once, so that a full store scans once per batch rather than on every write.
   */
  readonly maxEntries?: number
  /** How often expired records are swept (an unref'd timer); default 60. Reads never return them anyway. */
  readonly sweepIntervalSeconds?: number
  /** Where "now" comes from when deciding what has expired; default `Date.now`. */
  readonly clock?: { now(): number }
}

// One stored session, kept small: the key holds the id hash and `data` stays a JSON string, which
// is both the cheapest way to hold it and a copy nobody else can reach.
class SessionEntry {
  userId: string | null
  json: string
  version: number
  createdAt: number
  authenticatedAt: number | null
  lastSeenAt: number
  expiresAt: number
  ip: string | undefined
  userAgent: string | undefined

  constructor(r: SessionRecord) {
    this.userId = r.userId
    this.json = JSON.stringify(r.data)
    this.version = r.version
    this.createdAt = r.createdAt
    this.authenticatedAt = r.authenticatedAt
    this.lastSeenAt = r.lastSeenAt
    this.expiresAt = r.expiresAt
    this.ip = r.meta.ip
    this.userAgent = r.meta.userAgent
  }

  toRecord(idHash: string): SessionRecord {
    const meta: { ip?: string; userAgent?: string } = {}
    if (this.ip !== undefined) meta.ip = this.ip
    if (this.userAgent !== undefined) meta.userAgent = this.userAgent
    return {
      idHash,
      userId: this.userId,
      data: JSON.parse(this.json) as Record<string, unknown>,
      version: this.version,
      createdAt: this.createdAt,
      authenticatedAt: this.authenticatedAt,
      lastSeenAt: this.lastSeenAt,
      expiresAt: this.expiresAt,
      meta: meta satisfies SessionMeta,
    }
  }
}

/** A key → members index that holds a lone member as a bare string (most users have one session). */
export class MultiIndex {
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

/** Removes from `map` every entry with `expiresAt <= now`; returns how many. */
function sweep<V extends { expiresAt: number }>(
  map: Map<string, V>,
  now: number,
  remove: (key: string, value: V) => void,
): number {
  let deleted = 0
  for (const [key, value] of map) {
    if (value.expiresAt <= now) {
      remove(key, value)
      deleted++
    }
  }
  return deleted
}

/** Evicts from `map` the entries closest to expiry: `count` of them (ties may add a few). */
function evictClosestToExpiry<V extends { expiresAt: number }>(
  map: Map<string, V>,
  count: number,
  remove: (key: string, value: V) => void,
): void {
  const instants = new Float64Array(map.size)
  let i = 0
  for (const value of map.values()) instants[i++] = value.expiresAt
  instants.sort()
  const threshold = instants[Math.min(count, instants.length) - 1]!
  let evicted = 0
  for (const [key, value] of map) {
    if (evicted >= count) break
    if (value.expiresAt <= threshold) {
      remove(key, value)
      evicted++
    }
  }
}

/**
 * An in-memory store: bounded by `maxEntries`, never returns an expired record, returns copies,
 * and sweeps on a timer that does not keep the process alive. State is per process: use SQLite,
 * Redis or PostgreSQL when sessions must survive a restart or be shared.
 *
 * @example
 * app.use(session({ carrier: 'server', keys, store: createMemoryStore({ maxEntries: 50_000 }) }))
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isInteger(maxEntries) || maxEntries <= 0) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      `maxEntries must be a positive integer, got ${maxEntries}`,
    )
  }
  const sweepIntervalSeconds = options.sweepIntervalSeconds ?? 60
  if (!(sweepIntervalSeconds > 0) || sweepIntervalSeconds > 2_147_483) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      `sweepIntervalSeconds must be a positive number of seconds up to 2147483, got ${sweepIntervalSeconds}`,
    )
  }
  const clock = options.clock ?? Date
  const evictBatch = Math.max(1, Math.floor(maxEntries / 128))
  const sessions = new Map<string, SessionEntry>()
  const byUser = new MultiIndex()
  const tokens = new Map<string, RefreshTokenRecord>()
  const byFamily = new MultiIndex()

  const removeSession = (idHash: string, entry: SessionEntry): void => {
    sessions.delete(idHash)
    if (entry.userId !== null) byUser.remove(entry.userId, idHash)
  }
  const removeToken = (idHash: string, token: RefreshTokenRecord): void => {
    tokens.delete(idHash)
    byFamily.remove(token.familyId, idHash)
  }
  const liveSession = (idHash: string): SessionEntry | undefined => {
    const entry = sessions.get(idHash)
    if (entry === undefined || entry.expiresAt > clock.now()) return entry
    removeSession(idHash, entry)
    return undefined
  }
  const sweepSessions = (now: number): number => sweep(sessions, now, removeSession)
  const sweepTokens = (now: number): number => sweep(tokens, now, removeToken)
  const makeRoom = <V extends { expiresAt: number }>(
    map: Map<string, V>,
    sweep: (now: number) => number,
    remove: (key: string, value: V) => void,
  ): void => {
    if (map.size < maxEntries) return
    sweep(clock.now())
    if (map.size >= maxEntries) evictClosestToExpiry(map, evictBatch, remove)
  }

  const timer = setInterval(() => {
    const now = clock.now()
    sweepSessions(now)
    sweepTokens(now)
  }, sweepIntervalSeconds * 1000)
  timer.unref()

  return {
    sessions: {
      async get(idHash) {
        return liveSession(idHash)?.toRecord(idHash) ?? null
      },
      async create(record) {
        const entry = new SessionEntry(record)
        const previous = sessions.get(record.idHash)
        if (previous !== undefined) removeSession(record.idHash, previous)
        else makeRoom(sessions, sweepSessions, removeSession)
        sessions.set(record.idHash, entry)
        if (entry.userId !== null) byUser.add(entry.userId, record.idHash)
      },
      async replace(record, expectedVersion) {
        const current = liveSession(record.idHash)
        if (current === undefined || current.version !== expectedVersion) return false
        const entry = new SessionEntry(record)
        if (current.userId !== null) byUser.remove(current.userId, record.idHash)
        sessions.set(record.idHash, entry)
        if (entry.userId !== null) byUser.add(entry.userId, record.idHash)
        return true
      },
      async touch(idHash, lastSeenAt, expiresAt) {
        const entry = liveSession(idHash)
        if (entry === undefined) return
        entry.lastSeenAt = lastSeenAt
        entry.expiresAt = expiresAt
      },
      async delete(idHash) {
        const entry = sessions.get(idHash)
        if (entry !== undefined) removeSession(idHash, entry)
      },
      async listByUser(userId) {
        const out: SessionRecord[] = []
        for (const idHash of byUser.members(userId)) {
          const entry = liveSession(idHash)
          if (entry !== undefined) out.push(entry.toRecord(idHash))
        }
        return out
      },
      async deleteByUser(userId, exceptIdHash) {
        let deleted = 0
        for (const idHash of byUser.members(userId)) {
          if (idHash === exceptIdHash) continue
          const entry = sessions.get(idHash)!
          const live = entry.expiresAt > clock.now()
          removeSession(idHash, entry)
          if (live) deleted++
        }
        return deleted
      },
      async deleteExpired(now) {
        return sweepSessions(now)
      },
    },
    refreshTokens: {
      async insert(record) {
        const previous = tokens.get(record.idHash)
        if (previous !== undefined) removeToken(record.idHash, previous)
        else makeRoom(tokens, sweepTokens, removeToken)
        tokens.set(record.idHash, { ...record })
        byFamily.add(record.familyId, record.idHash)
      },
      async use(idHash, now) {
        const token = tokens.get(idHash)
        if (token === undefined || token.expiresAt <= now) return null
        if (token.usedAt === null) tokens.set(idHash, { ...token, usedAt: now })
        return { ...token }
      },
      async revokeFamily(familyId, now) {
        let changed = 0
        for (const idHash of byFamily.members(familyId)) {
          const token = tokens.get(idHash)!
          if (token.revokedAt !== null) continue
          tokens.set(idHash, { ...token, revokedAt: now })
          changed++
        }
        return changed
      },
      async deleteExpired(now) {
        return sweepTokens(now)
      },
    },
    async close() {
      clearInterval(timer)
    },
  }
}
