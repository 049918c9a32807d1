// The login throttle's buckets in a PostgreSQL table, through a pool the caller owns.
import type { Pool } from 'pg'
import { checkPostgresTable, postgresTableOnce } from '../backend-calls.js'
import type { ThrottleBackend, ThrottleWindow } from './backend.js'
import { bucketsAfterFailure, bucketsFromRows, type BucketRow } from './rows.js'
import { sweeper, throttleSql } from './sql.js'

/** The idempotent DDL of the throttle table (run on first use, or by `tessera migrate`). */
export function postgresThrottleTableSql(table: string): string {
  checkPostgresTable(table)
  return throttleSql(table, (n) => `$${n}`).create
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
      // One row per statement: a statement that holds no other row's lock while it waits for
      // this one cannot deadlock with the failures' upsert, whatever order the index keeps.
      for (const key of keys) {
        await pool.query(
          `UPDATE "${table}" SET failures = failures - 1 WHERE key = $1 AND failures > 0`,
          [key],
        )
      }
    },
    async forget(key) {
      await ensureTable()
      await pool.query(sql.forget, [key])
    },
    close: async () => {},
  }
}
