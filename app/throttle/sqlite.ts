// The login throttle's buckets in a SQLite file. This module imports better-sqlite3: only the
// SQLite store loads it (app/stores.ts), so other commands never open the driver.
import { openPrivateSqlite } from '../private-sqlite.js'
import type { ThrottleBackend, ThrottleWindow } from './backend.js'
import { bucketsAfterFailure, bucketsFromRows, type BucketRow } from './rows.js'
import { sweeper, throttleSql } from './sql.js'

/** The name of the SQLite table in the throttle's own database file. */
const SQLITE_TABLE = 'login_throttle'

/**
 * Buckets in a SQLite file that every process on the machine opens (`throttle.db` under the
 * data directory). Its own file, not accounts.db or sessions.db: the rows are disposable, and a
 * flood of failed logins then never holds the write lock that registrations or sessions wait on.
 */
export function sqliteThrottleBackend(file: string, window: ThrottleWindow): ThrottleBackend {
  const db = openPrivateSqlite(file)
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
