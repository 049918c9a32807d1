// The app's own SQLite files (accounts.db, throttle.db) hold password hashes and client
// addresses: they are created 0600, in directories created 0700, whatever the umask.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

/** Opens (creating if needed) the SQLite database at `file`, private to its owner, in WAL mode. */
export function openPrivateSqlite(file: string): Database.Database {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 })
  closeSync(openSync(file, 'a', 0o600))
  chmodSync(file, 0o600)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  for (const sidecar of [`${file}-wal`, `${file}-shm`]) {
    if (existsSync(sidecar)) chmodSync(sidecar, 0o600)
  }
  return db
}
