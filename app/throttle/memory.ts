// The login throttle's buckets in this process's memory: the default, and the backend of the
// memory store (one process only).
import {
  isLive,
  type ThrottleBackend,
  type ThrottleBucket,
  type ThrottleWindow,
} from './backend.js'

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
