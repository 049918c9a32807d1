// What a login throttle backend is; app/throttle/*.ts implement it.

/** What a backend needs of the policy. */
export interface ThrottleWindow {
  /** A bucket with no failure for this long is forgotten. */
  readonly windowSeconds: number
  /** How many buckets the memory backend keeps (the shared ones forget by the window only). */
  readonly maxEntries: number
}

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

/** Whether `bucket` had a failure within the window at `now`. */
export function isLive(bucket: ThrottleBucket, now: number, window: ThrottleWindow): boolean {
  return now - bucket.lastFailureAt <= window.windowSeconds * 1000
}
