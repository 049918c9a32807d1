// Bounded queries and the batched sweep, shared by the two halves of the PostgreSQL store.
import { TesseraError } from '../errors.js'
import type { PostgresResult } from './postgres-driver.js'

/** A bounded, parameterised query; `op` names it in error messages. */
export type Query = (op: string, text: string, values: unknown[]) => Promise<PostgresResult>

// The driver's query_timeout covers a query once it has a connection; this timer also covers
// the wait for a connection. Whatever fails becomes ERR_STORE_UNAVAILABLE with the cause.
export async function bounded<T>(
  op: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 50)
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (cause) {
    if (cause instanceof TesseraError) throw cause
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `postgres ${op} failed`, { cause })
  } finally {
    clearTimeout(timer)
  }
}

// Deletes expired rows a batch at a time: each batch is its own short statement, and SKIP
// LOCKED passes over rows another sweep holds, so sweeping never waits and never blocks.
// `expired` is the condition on $1 (now) that finds the table's expired rows by its index.
export async function sweep(
  query: Query,
  table: string,
  now: number,
  batchSize: number,
  expired = 'expires_at <= $1',
) {
  let total = 0
  for (let i = 0; i < 100_000; i++) {
    const result = await query(
      'deleteExpired',
      `DELETE FROM ${table} WHERE ctid IN (
        SELECT ctid FROM ${table} WHERE ${expired} LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, batchSize],
    )
    const deleted = result.rowCount ?? 0
    total += deleted
    if (deleted < batchSize) break
  }
  return total
}
