// What every backend the app shares between instances (the login throttle, the accounts) does
// the same way: calls bounded in time whose failures name no driver detail, and PostgreSQL
// tables created on first use even when several instances start together.
import type { Pool } from 'pg'
import { TesseraError } from 'tessera-session'

/** How long a call to a shared backend may take before the app fails closed (503). */
export const BACKEND_TIMEOUT_MS = 1000

/**
 * Runs `call` bounded by BACKEND_TIMEOUT_MS; whatever goes wrong becomes one
 * ERR_STORE_UNAVAILABLE saying only that `what` is unavailable, never the driver's message (it
 * stays in `cause`). The app answers it with 503, like a session store outage.
 */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), BACKEND_TIMEOUT_MS)
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (cause) {
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `${what} unavailable`, { cause })
  } finally {
    clearTimeout(timer)
  }
}

/** The one method of a node-redis v5 client the shared backends call. */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,50}$/

/** Throws ERR_CONFIG_INVALID unless `table` is a plain lowercase PostgreSQL identifier. */
export function checkPostgresTable(table: string): void {
  if (!PG_IDENTIFIER.test(table)) {
    throw new TesseraError('ERR_CONFIG_INVALID', `table must match ${PG_IDENTIFIER.source}`)
  }
}

/** Another instance created the table or index at the same moment. */
function isCreateRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23505' || code === '42P07' || code === '42710'
}

/**
 * A function that runs `createSql` (idempotent: `IF NOT EXISTS`) once, before the first query.
 * Two instances creating the same table at once can still collide in the catalog; the loser
 * runs it again, by when the other has committed. A role that may not run DDL gets "permission
 * denied" even for a table that exists, so then the table is looked up instead: an operator may
 * have created it with `tessera migrate`. A failed attempt (the server is down) is tried again on
 * the next call.
 */
export function postgresTableOnce(
  pool: Pool,
  table: string,
  createSql: string,
): () => Promise<void> {
  let ready: Promise<void> | undefined
  async function create(): Promise<void> {
    try {
      await pool.query(createSql)
    } catch (err) {
      if (isPermissionDenied(err) && (await tableExists(pool, table))) return
      if (!isCreateRace(err)) throw err
      await pool.query(createSql)
    }
  }
  return () =>
    (ready ??= create().catch((err: unknown) => {
      ready = undefined
      throw err
    }))
}

function isPermissionDenied(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '42501'
}

async function tableExists(pool: Pool, table: string): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [`"${table}"`],
  )
  return rows[0]?.present === true
}
