// What the SQL backends (SQLite, PostgreSQL) share: the table, the upsert that counts a failure
// and the sweep of rows past their window. Like every shared backend, one atomic step per failure
// and bucket: a bucket past its window starts again at 1, else counts one more, and its last
// failure becomes `now`.
import type { ThrottleWindow } from './backend.js'

/** How often (in the callers' clock) a SQL backend deletes the rows past their window. */
const SWEEP_INTERVAL_MS = 60 * 1000

/** Deletes expired rows at most once per SWEEP_INTERVAL_MS of `now`, after a failure. */
export function sweeper(window: ThrottleWindow, sweep: (before: number) => Promise<unknown>) {
  let lastSweep = -Infinity
  return async (now: number) => {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return
    lastSweep = now
    await sweep(now - window.windowSeconds * 1000)
  }
}

/** The table and index, and the upsert's conflict clause; `p(n)` writes the nth parameter. */
export function throttleSql(table: string, p: (n: number) => string) {
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
