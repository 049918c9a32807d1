import { parseArgs } from 'node:util'
import { postgresAccountsTableSql } from '../../app/accounts/postgres.js'
import {
  openPostgresPool,
  openStore,
  POSTGRES_ACCOUNTS_TABLE,
  POSTGRES_TABLE,
  POSTGRES_THROTTLE_TABLE,
} from '../../app/stores.js'
import { postgresThrottleTableSql } from '../../app/throttle/postgres.js'
import { print, printJson, STORE_HELP, type Command } from './output.js'
import { configuredStore, STORE_OPTIONS } from './store.js'

const USAGE = `usage: tessera migrate [--json] [store options]

Creates the store's tables and indexes, or brings them up to date, for operators who do not let
the app itself run DDL; on PostgreSQL also the app's accounts and sign-in throttle tables. Safe to run while the app runs, and from several machines at once.
PostgreSQL and SQLite have a schema; memory and Redis have none, so there is nothing to do.

Options:
  --json              print { store, migrationsApplied }
${STORE_HELP}
`

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
    const config = configuredStore(values)
    let migrationsApplied = 0
    if (config.store === 'postgres') {
      const { migratePostgres } = await import('tessera-session/stores/postgres')
      const pool = await openPostgresPool(config.databaseUrl ?? '')
      try {
        migrationsApplied = await migratePostgres({ pool, table: POSTGRES_TABLE })
        // The reference app's own tables, which it otherwise creates on first use.
        await pool.query(postgresAccountsTableSql(POSTGRES_ACCOUNTS_TABLE))
        await pool.query(postgresThrottleTableSql(POSTGRES_THROTTLE_TABLE))
      } finally {
        await pool.end()
      }
    } else if (config.store === 'sqlite') {
      // Opening the SQLite store creates and migrates its schema in one transaction.
      await (await openStore(config)).close()
    }
    if (values.json === true) printJson({ store: config.store, migrationsApplied })
    else if (config.store === 'memory' || config.store === 'redis') {
      print(`the ${config.store} store has no schema: nothing to migrate`)
    } else
      print(
        `the ${config.store} store's schema is up to date (${migrationsApplied} migrations applied now)`,
      )
    return 0
  },
}
