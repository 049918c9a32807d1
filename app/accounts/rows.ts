// An account as the SQL repositories (SQLite, PostgreSQL) store it.
import type { Account } from '../accounts.js'

/** A row of the accounts table. */
export interface AccountRow {
  id: string
  username: string
  password_hash: string
  /** pg gives bigints as strings. */
  created_at: number | string
}

/** The account a row holds; undefined for no row. */
export function fromRow(row: AccountRow | undefined): Account | undefined {
  return row === undefined
    ? undefined
    : {
        id: row.id,
        username: row.username,
        passwordHash: row.password_hash,
        createdAt: Number(row.created_at),
      }
}
