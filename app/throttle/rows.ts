// What the shared backends (SQLite, Redis, PostgreSQL) do alike: turn the rows they read or
// wrote into buckets.
import { isLive, type ThrottleBucket, type ThrottleWindow } from './backend.js'

/** A bucket as a shared backend stores it (pg gives bigints as strings). */
export interface BucketRow {
  key: string
  failures: number | string
  last_failure_at: number | string
}

/** The live bucket of each key from rows of any order; pg gives bigints as strings. */
export function bucketsFromRows(
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
export function bucketsAfterFailure(
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
