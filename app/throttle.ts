// Login throttling with soft, growing delays (never a hard lock). Failures are counted per
// account+IP, per IP and per account; a device that has signed in to the account before (it
// holds a signed device cookie) is judged only by its own failures, so an attacker who fails
// on purpose cannot lock the real user out (BF-1, BF-2). Counters live in this process.

/** The limits; every delay doubles per failure past the free ones, up to the maximum. */
export interface ThrottlePolicy {
  /** Failures per account+IP (or per trusted device) before delays start. */
  readonly freeFailures: number
  /** Failures per IP, over all accounts, before delays start. */
  readonly ipFreeFailures: number
  /** Failures per account from untrusted devices, over all IPs, before delays start. */
  readonly accountFreeFailures: number
  readonly baseDelaySeconds: number
  readonly maxDelaySeconds: number
  /** A bucket with no failure for this long is forgotten. */
  readonly windowSeconds: number
  readonly maxEntries: number
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  ipFreeFailures: 50,
  accountFreeFailures: 100,
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

/** Soft login throttling; every instant is epoch ms, passed in. */
export interface LoginThrottle {
  /** Seconds the client must wait before trying again, or 0. */
  retryAfterSeconds(attempt: LoginAttempt, now: number): number
  recordFailure(attempt: LoginAttempt, now: number): void
  recordSuccess(attempt: LoginAttempt): void
}

interface Bucket {
  failures: number
  lastFailureAt: number
}

/** Creates a throttle with its own bounded memory. */
export function createLoginThrottle(
  policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
): LoginThrottle {
  const buckets = new Map<string, Bucket>()

  function bucketsFor(a: LoginAttempt): [string, number][] {
    if (a.deviceId !== null) return [[`device:${a.deviceId}`, policy.freeFailures]]
    return [
      [`account-ip:${a.username}\n${a.ip}`, policy.freeFailures],
      [`ip:${a.ip}`, policy.ipFreeFailures],
      [`account:${a.username}`, policy.accountFreeFailures],
    ]
  }

  function live(key: string, now: number): Bucket | undefined {
    const bucket = buckets.get(key)
    if (bucket !== undefined && now - bucket.lastFailureAt > policy.windowSeconds * 1000) {
      buckets.delete(key)
      return undefined
    }
    return bucket
  }

  function waitSeconds(bucket: Bucket | undefined, free: number, now: number): number {
    if (bucket === undefined || bucket.failures < free) return 0
    const delay = Math.min(
      policy.baseDelaySeconds * 2 ** (bucket.failures - free),
      policy.maxDelaySeconds,
    )
    return Math.max(0, Math.ceil((bucket.lastFailureAt + delay * 1000 - now) / 1000))
  }

  return {
    retryAfterSeconds(attempt, now) {
      return Math.max(
        0,
        ...bucketsFor(attempt).map(([k, free]) => waitSeconds(live(k, now), free, now)),
      )
    },
    recordFailure(attempt, now) {
      for (const [key] of bucketsFor(attempt)) {
        const bucket = live(key, now) ?? { failures: 0, lastFailureAt: now }
        buckets.delete(key) // re-inserted last: the map's order is least recently failed first
        buckets.set(key, { failures: bucket.failures + 1, lastFailureAt: now })
      }
      while (buckets.size > policy.maxEntries) {
        const oldest = buckets.keys().next().value
        if (oldest === undefined) break
        buckets.delete(oldest)
      }
    },
    recordSuccess(attempt) {
      // The IP and account-wide buckets stay: one good password must not reset a spray.
      const [first] = bucketsFor(attempt)
      if (first !== undefined) buckets.delete(first[0])
    },
  }
}
