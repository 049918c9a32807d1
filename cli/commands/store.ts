// Opening the configured store (and the accounts, to accept a username for --user).
import { existsSync } from 'node:fs'
import { accountsDatabasePath, guardedRepository, normalizeUsername } from '../../app/accounts.js'
import { STORE_OPTIONS, storeConfig, type StoreConfig } from '../../app/config.js'
import { openStore, type OpenStore } from '../../app/stores.js'

export { STORE_OPTIONS }

/** The values of --store and --data-dir as parseArgs returns them. */
export interface StoreValues {
  readonly store?: string | undefined
  readonly 'data-dir'?: string | undefined
}

/** Reads --store, --data-dir and the environment into a store config. */
export function configuredStore(values: StoreValues): StoreConfig {
  return storeConfig(
    {
      ...(values.store === undefined ? {} : { store: values.store }),
      ...(values['data-dir'] === undefined ? {} : { 'data-dir': values['data-dir'] }),
    },
    process.env,
  )
}

/** Reads --store, --data-dir and the environment, and opens that store. */
export async function openConfiguredStore(
  values: StoreValues,
): Promise<{ config: StoreConfig; opened: OpenStore }> {
  const config = configuredStore(values)
  return { config, opened: await openStore(config) }
}

/**
 * The user id for `--user`: a username known to the app's accounts maps to its id. The accounts
 * are read where the app keeps them with this store: `accounts.db` under the data dir with
 * SQLite (not created when missing), the store's Redis or PostgreSQL; none with memory.
 */
export async function resolveUserId(
  config: StoreConfig,
  opened: OpenStore,
  user: string,
): Promise<string> {
  if (config.store === 'memory') return user
  if (config.store === 'sqlite' && !existsSync(accountsDatabasePath(config.dataDir))) return user
  const repo = guardedRepository(opened.accountRepository()) // closed with `opened`
  return (await repo.findByUsername(normalizeUsername(user)))?.id ?? user
}
