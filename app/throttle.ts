// Login throttling with soft, growing delays (never a hard lock). Failures are counted per
// account+IP, per IP and per account; a device that has signed in to the account before (it
// holds a signed device cookie) is judged only by its own failures, so an attacker who fails
// on purpose cannot lock the real user out (BF-1, BF-2). The counters live in a backend: this
// process's memory, or the store every instance shares (SQLite, Redis, PostgreSQL), so that
// several instances count the same failures (BF-4).
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import type { Pool } from 'pg'
import {
  BACKEND_TIMEOUT_MS,
  checkPostgresTable,
  guarded,
  postgresTableOnce,
  type RedisEval,
} from './backend-calls.js'

/** The limits; every delay doubles per failure past the free ones, up to the maximum. */
export interface ThrottlePolicy extends ThrottleWindow {
  /** Failures per account+IP (or per trusted device) before delays start. */
  readonly freeFailures: number
  /** Failures per IP, over all accounts, before delays start. */
  readonly ipFreeFailures: number
  /** Failures per account from untrusted devices, over all IPs, before delays start. */
  readonly accountFreeFailures: number
  /**
   * Refused session cookies (unknown, forged, malformed) per IP before that IP is slowed down
   * (BF-3). A user whose session ended sends one; a client guessing ids sends thousands.
   */
  readonly invalidSessionFreeFailures: number
  /**
   * Registrations per IP, taken or not, before delays start: each costs a password hash, and
   * a flood of them would both burn the CPU and probe which names exist.
   */
  readonly registrationFreeAttempts: number
  readonly baseDelaySeconds: number
  readonly maxDelaySeconds: number
}

/** What a backend needs of the policy. */
export interface ThrottleWindow {
  /** A bucket with no failure for this long is forgotten. */
  readonly windowSeconds: number
  /** How many buckets the memory backend keeps (the shared ones forget by the window only). */
  readonly maxEntries: number
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  ipFreeFailures: 50,
  accountFreeFailures: 100,
  invalidSessionFreeFailures: 100,
  registrationFreeAttempts: 10,
  baseDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  windowSeconds: 15 * 60,
  maxEntries: 10_000,
}

/** Who is trying: the normalised username, the client IP and, if any, its trusted device id. */
export interface LoginAttempt {
  readonly username: string
  readonly ip: string
  readonly deviceId: string | null
}

/**
 * Soft login throttling; every instant is epoch ms, passed in. Every method fails with
 * ERR_STORE_UNAVAILABLE when its backend does not answer within a second: callers fail closed.
 */
export interface LoginThrottle {
  /** Seconds the client must wait before trying again, or 0. */
  retryAfterSeconds(attempt: LoginAttempt, now: number): Promise<number>
  /**
   * Reserves one sign-in attempt before its password is checked: counts it as a failure in
   * each of its buckets, atomically in the backend, unless one of them asks to wait (then
   * nothing is counted). Of any number of attempts that arrive together, only as many as the
   * buckets allow are granted; the others get the wait.
   */
  reserve(attempt: LoginAttempt, now: number): Promise<Reservation>
  /**
   * Reserves one registration from `ip` the same way (every registration counts, none is taken
   * back); resolves to 0 when it may go ahead, else the seconds to wait.
   */
  reserveRegistration(ip: string, now: number): Promise<number>
  /** Counts one failure that had no reservation. */
  recordFailure(attempt: LoginAttempt, now: number): Promise<void>
  /** Forgets the account+IP (or device) failures: the password matched. */
  recordSuccess(attempt: LoginAttempt): Promise<void>
}

/** What `reserve` decided: go ahead (already counted as a failure), or wait this long. */
export type Reservation =
  | {
      readonly granted: true
      /**
       * The password matched: the attempt was no failure. Forgets the account+IP (or device)
       * bucket and takes the attempt back from the others.
       */
      succeeded(): Promise<void>
    }
  | { readonly granted: false; readonly retryAfterSeconds: number }

/** One counter: how many failures, the last at `lastFailureAt` (epoch ms). */
export interface ThrottleBucket {
  readonly failures: number
  readonly lastFailureAt: number
}

/**
 * Where the buckets live. Keys are opaque (SHA-256 of the bucket's name, base64url), so no
 * username or IP is stored in clear. A bucket without a failure for `windowSeconds` is forgotten.
 */
export interface ThrottleBackend {
  /** The live bucket of each key, in order; undefined where there is none. */
  read(keys: readonly string[], now: number): Promise<(ThrottleBucket | undefined)[]>
  /**
   * One more failure at `now` in each bucket (a forgotten bucket starts again at 1); resolves to
   * each bucket as it now is, in order, so counting and reading take one round trip.
   */
  addFailure(keys: readonly string[], now: number): Promise<ThrottleBucket[]>
  /** One failure fewer in each bucket (never below 0): counted attempts that were none. */
  takeBack(keys: readonly string[]): Promise<void>
  forget(key: string): Promise<void>
  /** Releases what the backend opened itself (not a client or pool it was given). */
  close(): Promise<void>
}

/** How long a backend call may take before the throttle fails closed. */
export const THROTTLE_TIMEOUT_MS = BACKEND_TIMEOUT_MS

function isLive(bucket: ThrottleBucket, now: number, window: ThrottleWindow): boolean {
  return now - bucket.lastFailureAt <= window.windowSeconds * 1000
}

/** A bucket's opaque key: the SHA-256 of its name, so no username or IP is stored in clear. */
function bucketKey(name: string): string {
  return createHash('sha256').update(name).digest('base64url')
}

/** Seconds a bucket with `free` failures allowed still asks to wait at `now`; 0 if none. */
function waitSeconds(
  policy: ThrottlePolicy,
  bucket: ThrottleBucket | undefined,
  free: number,
  now: number,
): number {
  if (bucket === undefined || bucket.failures < free) return 0
  const delay = Math.min(
    policy.baseDelaySeconds * 2 ** (bucket.failures - free),
    policy.maxDelaySeconds,
  )
  return Math.max(0, Math.ceil((bucket.lastFailureAt + delay * 1000 - now) / 1000))
}

/** Bounded, failing closed with ERR_STORE_UNAVAILABLE (see `guarded`). */
const guardedThrottle = <T>(call: () => Promise<T>) => guarded('login throttle', call)

/** Creates a throttle over `backend` (by default its own bounded memory). */
export function createLoginThrottle(
  policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
  backend: ThrottleBackend = memoryThrottleBackend(policy),
): LoginThrottle {
  function bucketsFor(a: LoginAttempt): [string, number][] {
    const named: [string, number][] =
      a.deviceId !== null
        ? [[`device:${a.deviceId}`, policy.freeFailures]]
        : [
            [`account-ip:${a.username}\n${a.ip}`, policy.freeFailures],
            [`ip:${a.ip}`, policy.ipFreeFailures],
            [`account:${a.username}`, policy.accountFreeFailures],
          ]
    return named.map(([name, free]) => [bucketKey(name), free])
  }

  const waitFor = (
    buckets: readonly [string, number][],
    found: readonly (ThrottleBucket | undefined)[],
    now: number,
  ) => Math.max(0, ...buckets.map(([, free], i) => waitSeconds(policy, found[i], free, now)))
  const read = (buckets: readonly [string, number][], now: number) =>
    guardedThrottle(() =>
      backend.read(
        buckets.map(([key]) => key),
        now,
      ),
    )

  /**
   * Counts one attempt in `buckets` when none asks to wait; resolves to 0 when it did, else
   * the seconds to wait (and nothing stays counted). Attempts that arrive together all read
   * the same counts, so the read alone would let them all through; the add, atomic in the
   * backend, puts them in order. An attempt whose add took a bucket past both its free
   * failures and what it read plus itself came after another that was let through meanwhile:
   * it takes its count back and waits.
   */
  async function reserveIn(buckets: readonly [string, number][], now: number): Promise<number> {
    const before = await read(buckets, now)
    const wait = waitFor(buckets, before, now)
    if (wait > 0) return wait
    const keys = buckets.map(([key]) => key)
    const after = await guardedThrottle(() => backend.addFailure(keys, now))
    const overtaken = buckets.some(
      ([, free], i) => (after[i]?.failures ?? 0) > Math.max(free, (before[i]?.failures ?? 0) + 1),
    )
    if (!overtaken) return 0
    await guardedThrottle(() => backend.takeBack(keys))
    return Math.max(1, waitFor(buckets, after, now))
  }

  const throttle: LoginThrottle = {
    async retryAfterSeconds(attempt, now) {
      const buckets = bucketsFor(attempt)
      return waitFor(buckets, await read(buckets, now), now)
    },
    async reserve(attempt, now) {
      const buckets = bucketsFor(attempt)
      const wait = await reserveIn(buckets, now)
      if (wait > 0) return { granted: false, retryAfterSeconds: wait }
      return {
        granted: true,
        async succeeded() {
          await throttle.recordSuccess(attempt)
          const rest = buckets.slice(1).map(([key]) => key)
          if (rest.length > 0) await guardedThrottle(() => backend.takeBack(rest))
        },
      }
    },
    reserveRegistration: (ip, now) =>
      reserveIn([[bucketKey(`register-ip:${ip}`), policy.registrationFreeAttempts]], now),
    async recordFailure(attempt, now) {
      await guardedThrottle(() =>
        backend.addFailure(
          bucketsFor(attempt).map(([key]) => key),
          now,
        ),
      )
    },
    async recordSuccess(attempt) {
      // The IP and account-wide buckets stay: one good password must not reset a spray.
      const [first] = bucketsFor(attempt)
      if (first !== undefined) await guardedThrottle(() => backend.forget(first[0]))
    },
  }
  return throttle
}

/**
 * Slows a client that presents refused session cookies in bursts, as one guessing session ids
 * would (BF-3). Refusals are counted per IP in the shared backend, so every instance adds to one
 * count; once an IP is past `invalidSessionFreeFailures`, the instance that counted it refuses
 * that IP's requests that carry cookies for the delay, without asking the backend on every
 * request (an instance learns of the block at the first refusal it counts itself).
 */
export interface SessionGuessThrottle {
  /** Seconds `ip` must wait before sending cookies again, as this instance knows it; no I/O. */
  blockedSeconds(ip: string, now: number): number
  /**
   * Counts one refused session cookie from `ip`; resolves to the seconds it must now wait (0
   * while it is within the free refusals). Fails with ERR_STORE_UNAVAILABLE like the login
   * throttle.
   */
  recordRefusal(ip: string, now: number): Promise<number>
}

/** Creates the session-guessing throttle over the same backend as the login throttle. */
export function createSessionGuessThrottle(
  policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
  backend: ThrottleBackend = memoryThrottleBackend(policy),
): SessionGuessThrottle {
  // IPs this instance has found past the limit, and until when (epoch ms); bounded.
  const blocked = new Map<string, number>()
  return {
    blockedSeconds(ip, now) {
      const until = blocked.get(ip)
      if (until === undefined) return 0
      if (until <= now) {
        blocked.delete(ip)
        return 0
      }
      return Math.ceil((until - now) / 1000)
    },
    async recordRefusal(ip, now) {
      const key = bucketKey(`session-guess:${ip}`)
      const [bucket] = await guardedThrottle(() => backend.addFailure([key], now))
      const wait = waitSeconds(policy, bucket, policy.invalidSessionFreeFailures, now)
      if (wait > 0) {
        blocked.delete(ip)
        blocked.set(ip, now + wait * 1000)
        while (blocked.size > policy.maxEntries) {
          const oldest = blocked.keys().next().value
          if (oldest === undefined) break
          blocked.delete(oldest)
        }
      }
      return wait
    },
  }
}

/** Buckets in this process's memory, at most `maxEntries`, least recently failed evicted first. */
export function memoryThrottleBackend(window: ThrottleWindow): ThrottleBackend {
  const buckets = new Map<string, ThrottleBucket>()

  function live(key: string, now: number): ThrottleBucket | undefined {
    const bucket = buckets.get(key)
    if (bucket !== undefined && !isLive(bucket, now, window)) {
      buckets.delete(key)
      return undefined
    }
    return bucket
  }

  return {
    read: async (keys, now) => keys.map((key) => live(key, now)),
    async addFailure(keys, now) {
      const updated = keys.map((key) => {
        const bucket = { failures: (live(key, now)?.failures ?? 0) + 1, lastFailureAt: now }
        buckets.delete(key) // re-inserted last: the map's order is least recently failed first
        buckets.set(key, bucket)
        return bucket
      })
      while (buckets.size > window.maxEntries) {
        const oldest = buckets.keys().next().value
        if (oldest === undefined) break
        buckets.delete(oldest)
      }
      return updated
    },
    async takeBack(keys) {
      for (const key of keys) {
        const bucket = buckets.get(key)
        if (bucket !== undefined && bucket.failures > 0) {
          buckets.set(key, { ...bucket, failures: bucket.failures - 1 })
        }
      }
    },
    forget: async (key) => void buckets.delete(key),
    close: async () => buckets.clear(),
  }
}

// The shared backends. One atomic step per failure and bucket: a bucket past its window starts
// again at 1, else counts one more, and its last failure becomes `now`.

/** How often (in the callers' clock) a SQL backend deletes the rows past their window. */
const SWEEP_INTERVAL_MS = 60 * 1000

/** Deletes expired rows at most once per SWEEP_INTERVAL_MS of `now`, after a failure. */
function sweeper(window: ThrottleWindow, sweep: (before: number) => Promise<unknown>) {
  let lastSweep = -Infinity
  return async (now: number) => {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return
    lastSweep = now
    await sweep(now - window.windowSeconds * 1000)
  }
}

/** The idempotent DDL of the throttle table (run on first use, or by `tessera migrate`). */
export function postgresThrottleTableSql(table: string): string {
  checkPostgresTable(table)
  return throttleSql(table, (n) => `$${n}`).create
}

/** The table and index, and the upsert's conflict clause; `p(n)` writes the nth parameter. */
function throttleSql(table: string, p: (n: number) => string) {
  return {
    create: `CREATE TABLE IF NOT EXISTS "${table}" (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        last_failure_at bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${table}_last_failure_at" ON "${table}" (last_failure_at)`,
    insert: `INSERT INTO "${table}" AS b (key, failures, last_failure_at)`,
    onConflict: `ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN excluded.last_failure_at - b.last_failure_at > ${p(3)}
          THEN 1 ELSE b.failures + 1 END,
        last_failure_at = excluded.last_failure_at`,
    returning: 'RETURNING key, failures, last_failure_at',
    forget: `DELETE FROM "${table}" WHERE key = ${p(1)}`,
    sweep: `DELETE FROM "${table}" WHERE last_failure_at < ${p(1)}`,
  }
}

interface BucketRow {
  key: string
  failures: number | string
  last_failure_at: number | string
}

/** The live bucket of each key from rows of any order; pg gives bigints as strings. */
function bucketsFromRows(
  keys: readonly string[],
  rows: readonly BucketRow[],
  now: number,
  window: ThrottleWindow,
): (ThrottleBucket | undefined)[] {
  const byKey = new Map(
    rows.map((r) => [
      r.key,
      { failures: Number(r.failures), lastFailureAt: Number(r.last_failure_at) },
    ]),
  )
  return keys.map((key) => {
    const bucket = byKey.get(key)
    return bucket !== undefined && isLive(bucket, now, window) ? bucket : undefined
  })
}

/** The buckets a failure just wrote, in the order of `keys` (each was written, so each is live). */
function bucketsAfterFailure(
  keys: readonly string[],
  rows: readonly BucketRow[],
): ThrottleBucket[] {
  const byKey = new Map(rows.map((r) => [r.key, r]))
  return keys.map((key) => {
    const row = byKey.get(key)
    if (row === undefined) throw new Error('a failure was recorded but its bucket was not returned')
    return { failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at) }
  })
}

/** The name of the SQLite table in the throttle's own database file. */
const SQLITE_TABLE = 'login_throttle'

/**
 * Buckets in a SQLite file that every process on the machine opens (`throttle.db` under the
 * data directory). Its own file, not accounts.db or sessions.db: the rows are disposable, and a
 * flood of failed logins then never holds the write lock that registrations or sessions wait on.
 */
export function sqliteThrottleBackend(file: string, window: ThrottleWindow): ThrottleBackend {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  const sql = throttleSql(SQLITE_TABLE, () => '?') // better-sqlite3 binds `?` in order
  db.exec(sql.create)
  const select = db.prepare<[string], BucketRow>(
    `SELECT key, failures, last_failure_at FROM "${SQLITE_TABLE}" WHERE key = ?`,
  )
  const upsert = db.prepare<[string, number, number], BucketRow>(
    `${sql.insert} VALUES (?, 1, ?) ${sql.onConflict} ${sql.returning}`,
  )
  const forget = db.prepare(sql.forget)
  const takeBack = db.prepare(
    `UPDATE "${SQLITE_TABLE}" SET failures = failures - 1 WHERE key = ? AND failures > 0`,
  )
  const takeBackAll = db.transaction((keys: readonly string[]) => {
    for (const key of keys) takeBack.run(key)
  })
  const sweep = db.prepare(sql.sweep)
  const windowMs = window.windowSeconds * 1000
  const addAll = db.transaction((keys: readonly string[], now: number) =>
    keys.flatMap((key) => upsert.get(key, now, windowMs) ?? []),
  )
  const sweepExpired = sweeper(window, async (before) => sweep.run(before))
  return {
    async read(keys, now) {
      const rows = keys.flatMap((key) => select.get(key) ?? [])
      return bucketsFromRows(keys, rows, now, window)
    },
    async addFailure(keys, now) {
      const rows = addAll.immediate(keys, now)
      await sweepExpired(now)
      return bucketsAfterFailure(keys, rows)
    },
    takeBack: async (keys) => void takeBackAll.immediate(keys),
    forget: async (key) => void forget.run(key),
    close: async () => void db.close(),
  }
}

/** The one method of a node-redis v5 client the Redis backend calls. */
export type ThrottleRedis = RedisEval

// KEYS[1] the bucket, a hash {f: failures, t: last failure}; ARGV now, window (ms).
const REDIS_FAIL = `
local last = tonumber(redis.call('HGET', KEYS[1], 't'))
if last ~= nil and tonumber(ARGV[1]) - last > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
end
redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('HSET', KEYS[1], 't', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HMGET', KEYS[1], 'f', 't')`
const REDIS_READ = `return redis.call('HMGET', KEYS[1], 'f', 't')`
const REDIS_FORGET = `return redis.call('DEL', KEYS[1])`
const REDIS_TAKE_BACK = `
if tonumber(redis.call('HGET', KEYS[1], 'f') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'f', -1)
end
return 1`

/**
 * Buckets in Redis, one hash per bucket under `<prefix>throttle:`, expiring a window after its
 * last failure. One script per bucket, so each call touches one key (and one Cluster slot).
 */
export function redisThrottleBackend(
  client: ThrottleRedis,
  prefix: string,
  window: ThrottleWindow,
): ThrottleBackend {
  const windowMs = String(window.windowSeconds * 1000)
  const run = (script: string, key: string, args: string[] = []) =>
    client.eval(script, { keys: [`${prefix}throttle:${key}`], arguments: args })
  // A bucket's reply, {failures, last failure}, as the row the SQL backends would give.
  const rowsOf = (keys: readonly string[], replies: unknown[]): BucketRow[] =>
    replies.flatMap((reply, i): BucketRow[] => {
      const [failures, lastFailureAt] = Array.isArray(reply) ? (reply as unknown[]) : []
      const key = keys[i]
      if (key === undefined || failures === null || failures === undefined) return []
      return [{ key, failures: String(failures), last_failure_at: String(lastFailureAt) }]
    })
  return {
    async read(keys, now) {
      const replies = await Promise.all(keys.map((key) => run(REDIS_READ, key)))
      return bucketsFromRows(keys, rowsOf(keys, replies), now, window)
    },
    async addFailure(keys, now) {
      const args = [String(now), windowMs]
      const replies = await Promise.all(keys.map((key) => run(REDIS_FAIL, key, args)))
      return bucketsAfterFailure(keys, rowsOf(keys, replies))
    },
    async takeBack(keys) {
      await Promise.all(keys.map((key) => run(REDIS_TAKE_BACK, key)))
    },
    forget: async (key) => void (await run(REDIS_FORGET, key)),
    close: async () => {},
  }
}

/**
 * Buckets in a PostgreSQL table (created on first use, idempotently), one row per bucket;
 * rows past their window are deleted after a failure, at most once a minute per instance.
 */
export function postgresThrottleBackend(
  pool: Pool,
  table: string,
  window: ThrottleWindow,
): ThrottleBackend {
  checkPostgresTable(table)
  const sql = throttleSql(table, (n) => `$${n}`)
  const windowMs = window.windowSeconds * 1000
  const ensureTable = postgresTableOnce(pool, table, sql.create)
  const sweepExpired = sweeper(window, async (before) => pool.query(sql.sweep, [before]))
  return {
    async read(keys, now) {
      await ensureTable()
      const { rows } = await pool.query<BucketRow>(
        `SELECT key, failures, last_failure_at FROM "${table}" WHERE key = ANY($1::text[])`,
        [keys],
      )
      return bucketsFromRows(keys, rows, now, window)
    },
    async addFailure(keys, now) {
      await ensureTable()
      // Sorted, so concurrent failures lock shared rows in one order.
      const { rows } = await pool.query<BucketRow>(
        `${sql.insert} SELECT k, 1, $2::bigint FROM unnest($1::text[]) AS k ${sql.onConflict}
         ${sql.returning}`,
        [[...keys].sort(), now, windowMs],
      )
      await sweepExpired(now)
      return bucketsAfterFailure(keys, rows)
    },
    async takeBack(keys) {
      await ensureTable()
      await pool.query(
        `UPDATE "${table}" SET failures = failures - 1 WHERE key = ANY($1::text[]) AND failures > 0`,
        [keys],
      )
    },
    async forget(key) {
      await ensureTable()
      await pool.query(sql.forget, [key])
    },
    close: async () => {},
  }
}
