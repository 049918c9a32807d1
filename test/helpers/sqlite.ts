import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { SqliteDatabase, SqliteStatement } from '../../src/stores/sqlite.js'

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-sqlite-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A database whose statements count how many transactions were begun. */
export function countingDatabase(file: string): {
  database: SqliteDatabase
  raw: Database.Database
  begins: () => number
} {
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  let begins = 0
  const database: SqliteDatabase = {
    prepare(source) {
      const statement = raw.prepare(source) as unknown as SqliteStatement
      if (!source.startsWith('BEGIN')) return statement
      return {
        run: (...params) => {
          begins++
          return statement.run(...params)
        },
        get: (...params) => statement.get(...params),
        all: (...params) => statement.all(...params),
      }
    },
    exec: (source) => raw.exec(source),
    close: () => raw.close(),
    get inTransaction() {
      return raw.inTransaction
    },
  }
  return { database, raw, begins: () => begins }
}
