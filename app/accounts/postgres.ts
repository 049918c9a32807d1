// Accounts in a PostgreSQL table, through a pool the caller owns.
import type { Pool } from 'pg'
import type { AccountRepository } from '../accounts.js'
import { checkPostgresTable, postgresTableOnce } from '../backend-calls.js'
import { fromRow, type AccountRow } from './rows.js'

/** The idempotent DDL of the accounts table (run on first use, or by `tessera migrate`). */
export function postgresAccountsTableSql(table: string): string {
  checkPostgresTable(table)
  return `CREATE TABLE IF NOT EXISTS "${table}" (
      id text PRIMARY KEY,
      username text UNIQUE NOT NULL,
      password_hash text NOT NULL,
      created_at bigint NOT NULL
    )`
}

/**
 * Accounts in a PostgreSQL table (created on first use, idempotently, even when several
 * instances start together), through a pool the caller owns.
 */
export function postgresAccountRepository(pool: Pool, table: string): AccountRepository {
  const ensureTable = postgresTableOnce(pool, table, postgresAccountsTableSql(table))
  const select = 'SELECT id, username, password_hash, created_at FROM'
  async function findBy(column: 'id' | 'username', value: string) {
    await ensureTable()
    const { rows } = await pool.query<AccountRow>(`${select} "${table}" WHERE ${column} = $1`, [
      value,
    ])
    return fromRow(rows[0])
  }
  return {
    findByUsername: (username) => findBy('username', username),
    findById: (id) => findBy('id', id),
    async insert(a) {
      await ensureTable()
      try {
        // A username taken meanwhile (another instance registering it) inserts nothing.
        const result = await pool.query(
          `INSERT INTO "${table}" (id, username, password_hash, created_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING`,
          [a.id, a.username, a.passwordHash, a.createdAt],
        )
        return result.rowCount === 1
      } catch (err) {
        // The same, should the conflict surface as an error (23505 unique_violation).
        if ((err as { code?: unknown } | null)?.code === '23505') return false
        throw err
      }
    },
    async updateHash(id, passwordHash) {
      await ensureTable()
      await pool.query(`UPDATE "${table}" SET password_hash = $1 WHERE id = $2`, [passwordHash, id])
    },
    close: async () => {},
  }
}
