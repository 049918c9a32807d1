// Accounts in a SQLite file. This module imports better-sqlite3: only the SQLite store loads it
// (app/stores.ts), so other commands never open the driver.
import { openPrivateSqlite } from '../private-sqlite.js'
import type { AccountRepository } from '../accounts.js'
import { fromRow, type AccountRow } from './rows.js'

/** Accounts in SQLite at `file` (created with its table on first use). */
export function sqliteAccountRepository(file: string): AccountRepository {
  const db = openPrivateSqlite(file)
  db.exec(`CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`)
  const byName = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE username = ?')
  const byId = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?')
  const insert = db.prepare(
    'INSERT OR IGNORE INTO accounts (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)',
  )
  const update = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?')
  return {
    findByUsername: async (username) => fromRow(byName.get(username)),
    findById: async (id) => fromRow(byId.get(id)),
    insert: async (a) => insert.run(a.id, a.username, a.passwordHash, a.createdAt).changes === 1,
    updateHash: async (id, hash) => void update.run(hash, id),
    close: async () => void db.close(),
  }
}
