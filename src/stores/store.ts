// The store contract. Stores save the records they are given and know nothing of sessions,
// cookies or HTTP; hashing of secret ids happens above them. Every method is promise-based and
// every instant is epoch milliseconds.

/** Metadata recorded about the client that created a session, shown on a "your devices" page. */
export interface SessionMeta {
  readonly ip?: string
  readonly userAgent?: string
}

/** One stored session. The secret session id itself is never stored, only its SHA-256. */
export interface SessionRecord {
  /** SHA-256 of the session id (base64url). The store's key. */
  readonly idHash: string
  /** The signed-in user, or null for an anonymous session. */
  readonly userId: string | null
  /** The application's session data: JSON-serialisable. */
  readonly data: Readonly<Record<string, unknown>>
  /** Bumped on every `replace`; `replace` only writes when the stored version is the expected one. */
  readonly version: number
  readonly createdAt: number
  /** When the user last authenticated (login), or null for an anonymous session. */
  readonly authenticatedAt: number | null
  /** Moved forward at most once per touch interval. */
  readonly lastSeenAt: number
  /** The earlier of the idle and absolute deadlines; the record is dead from this instant on. */
  readonly expiresAt: number
  readonly meta: SessionMeta
  /**
   * The lifetime chosen at login (`login(userId, { maxAgeSeconds })` or `{ persistent }`), in
   * seconds: a number for a "remember me" session (its cookie's `Max-Age`, and its idle window
   * when longer than the idle timeout), `null` for a browser-session cookie. Absent: the session
   * manager's defaults (`cookieMaxAgeSeconds`, `idleTimeoutSeconds`), as for records written
   * before the field existed. A store gives back exactly what it was given: a number, `null`, or
   * no such property.
   */
  readonly maxAgeSeconds?: number | null
}

/**
 * Where sessions live. A record whose `expiresAt <= now` is never returned by `get` or
 * `listByUser`, even before it is swept. The per-user index is written in the same atomic step
 * as the record, and expires with it.
 */
export interface SessionStore {
  /** The live record for this id hash, or null. Returns a copy: changing it changes nothing stored. */
  get(idHash: string): Promise<SessionRecord | null>
  /** Stores a new record (and indexes it under its user). Atomic. */
  create(record: SessionRecord): Promise<void>
  /**
   * Writes `record` only if the stored record exists, is live and has version `expectedVersion`,
   * as one atomic compare-and-set (the per-user index moves with it if `userId` changed). Returns
   * false, changing nothing, when someone else wrote first or the record is gone or expired.
   * `record.version` is the new version, normally `expectedVersion + 1` (more when the manager
   * stores the writes of several concurrent requests of one session as one).
   */
  replace(record: SessionRecord, expectedVersion: number): Promise<boolean>
  /** Moves `lastSeenAt` and `expiresAt` of a live record without changing its version. No-op if absent. */
  touch(idHash: string, lastSeenAt: number, expiresAt: number): Promise<void>
  /** Deletes the record and its index entry. Idempotent. */
  delete(idHash: string): Promise<void>
  /** The user's live sessions, in no particular order. */
  listByUser(userId: string): Promise<SessionRecord[]>
  /** Deletes every session of the user except `exceptIdHash`; returns how many were deleted. Atomic. */
  deleteByUser(userId: string, exceptIdHash?: string): Promise<number>
  /** Deletes records with `expiresAt <= now` (stores without native TTL); returns how many. */
  deleteExpired(now: number): Promise<number>
}

/** One refresh token of the token carrier. The token itself is never stored, only its SHA-256. */
export interface RefreshTokenRecord {
  /** SHA-256 of the refresh token (base64url). The store's key. */
  readonly idHash: string
  /** The family started at login; every rotation stays in it. */
  readonly familyId: string
  readonly userId: string
  readonly createdAt: number
  /** Past this the token is dead, used or not. */
  readonly expiresAt: number
  /** When it was first used to refresh, or null. */
  readonly usedAt: number | null
  /** When its family was revoked, or null. */
  readonly revokedAt: number | null
}

/** Where the token carrier's refresh tokens live. */
export interface RefreshTokenStore {
  /**
   * Stores a new, unused token. A token whose `idHash` is already stored is left exactly as it is
   * (never replaced, its `usedAt` and `revokedAt` kept): every use of a refresh token inside the
   * grace window issues the same successor, and only the first insert counts.
   */
  insert(record: RefreshTokenRecord): Promise<void>
  /**
   * Atomically marks the token used at `now` (if not already used) and returns it as it was
   * before, or null if unknown or expired. Of two concurrent calls, exactly one sees
   * `usedAt === null`.
   */
  use(idHash: string, now: number): Promise<RefreshTokenRecord | null>
  /**
   * Marks every not-yet-revoked token of the family revoked at `now`; returns how many were
   * changed (a token already revoked keeps its first `revokedAt` and is not counted).
   */
  revokeFamily(familyId: string, now: number): Promise<number>
  /** Deletes tokens with `expiresAt <= now`; returns how many. */
  deleteExpired(now: number): Promise<number>
}

/**
 * A complete store: sessions and refresh tokens. Implementations: `createMemoryStore`,
 * `createSqliteStore`, `createRedisStore`, `createPostgresStore`; each passes `testStore` from
 * `tessera-session/testing`.
 */
export interface Store {
  readonly sessions: SessionStore
  readonly refreshTokens: RefreshTokenStore
  /** Releases what the store itself opened (a database it opened from a path). Never closes a client it was given. */
  close?(): Promise<void>
  /**
   * Resolves once the store can serve: its connection answers and its tables exist (a store that
   * migrates by itself creates them first). Rejects with `ERR_STORE_UNAVAILABLE` whose message
   * names what is missing: for startup checks and a health route. Every built-in store has it.
   */
  ready?(): Promise<void>
}

/**
 * Internal (not re-exported): `record` with the lifetime a login chose, when it chose one. A
 * record without a choice stays without the field. Assigned rather than spread, since V8 builds an
 * object literal with a spread by its slow copying path, and records are made on every request.
 */
export function withLifetime(
  record: Omit<SessionRecord, 'maxAgeSeconds'>,
  maxAgeSeconds: SessionRecord['maxAgeSeconds'],
): SessionRecord {
  if (maxAgeSeconds !== undefined)
    (record as { maxAgeSeconds?: unknown }).maxAgeSeconds = maxAgeSeconds
  return record
}
