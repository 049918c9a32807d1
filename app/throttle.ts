// Login throttling with soft, growing delays (never a hard lock). Failures are counted per
// account+IP, per IP and per account; a device that has signed in to the account before (it
// holds a signed device cookie) is judged only by its own failures, so an attacker who fails
// on purpose cannot lock the real user out (BF-1, BF-2). The counters live in a backend
// (app/throttle/): this process's memory, or the store every instance shares (SQLite, Redis,
// PostgreSQL), so that several instances count the same failures (BF-4). Only the memory
// backend is imported here; the others load with the store that needs them (app/stores.ts).
import { createHash } from 'node:crypto'
import { BACKEND_TIMEOUT_MS, guarded } from './backend-calls.js'
import type { ThrottleBackend, ThrottleBucket, ThrottleWindow } from './throttle/backend.js'
import { memoryThrottleBackend } from './throttle/memory.js'

export type { ThrottleBackend, ThrottleBucket, ThrottleWindow } from './throttle/backend.js'
export { memoryThrottleBackend } from './throttle/memory.js'

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

/** How long a backend call may take before the throttle fails closed. */
export const THROTTLE_TIMEOUT_MS = BACKEND_TIMEOUT_MS

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
