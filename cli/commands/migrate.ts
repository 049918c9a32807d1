import { parseArgs } from 'node:util'
import { postgresAccountsTableSql } from '../../app/accounts/postgres.js'
import {
  openPostgresPool,
  POSTGRES_ACCOUNTS_TABLE,
  POSTGRES_THROTTLE_TABLE,
} from '../../app/stores.js'
import { postgresThrottleTableSql } from '../../app/throttle/postgres.js'
import { print, printJson, withProgress, type Command } from './output.js'
import {
  describeTarget,
  STORE_HELP,
  STORE_OPTIONS,
  storeTarget,
  type StoreTarget,
} from './store.js'

const USAGE = `usage: tessera migrate [--json] [store options]

Creates the store's tables and indexes, or brings them up to date, for operators who do not let
the app itself run DDL. With the reference app's names (no --schema, --table) it also creates
the app's accounts and sign-in throttle tables on PostgreSQL. Safe to run while the app runs,
and from several machines at once. PostgreSQL and SQLite have a schema; Redis has none, so
there is nothing to do. On a terminal it shows how long a long migration has been running.

Options:
  --json                  print { store, migrationsApplied }, and no progress
${STORE_HELP}
`

async function migrate(target: StoreTarget): Promise<number> {
  if (target.store === 'postgres') {
    const { migratePostgres } = await import('tessera-session/stores/postgres')
    const pool = await openPostgresPool(target.url)
    try {
      const applied = await migratePostgres({
        pool,
        schema: target.schema,
        table: target.table,
        queryTimeoutMs: 60_000,
      })
      if (target.appNaming) {
        // The reference app's own tables, which it otherwise creates on first use.
        await pool.query(postgresAccountsTableSql(POSTGRES_ACCOUNTS_TABLE))
        await pool.query(postgresThrottleTableSql(POSTGRES_THROTTLE_TABLE))
      }
      return applied
    } finally {
      await pool.end()
    }
  }
  if (target.store === 'sqlite') {
    // Opening the SQLite store creates and migrates its schema in one transaction.
    const { createSqliteStore } = await import('tessera-session/stores/sqlite')
    await createSqliteStore({ path: target.path, prefix: target.prefix }).close?.()
  }
  return 0
}

/** `tessera migrate`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: "create or update the store's tables",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...STORE_OPTIONS, json: { type: 'boolean' } },
    })
    const json = values.json === true
    const target = storeTarget(values)
    const migrationsApplied = await withProgress('migrating', () => migrate(target), {
      quiet: json,
    })
    if (json) printJson({ store: target.store, migrationsApplied })
    else if (target.store === 'memory' || target.store === 'redis') {
      print(`the ${target.store} store has no schema: nothing to migrate`)
    } else {
      print(
        `${describeTarget(target)}: schema up to date (${migrationsApplied} migrations applied now)`,
      )
    }
    return 0
  },
}
