// Starts the reference app on 127.0.0.1:0 for a test, with cheap password hashing and a
// temporary data directory that is removed on close.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AppConfig } from '../../app/config.js'
import { startServer, type CreateServerOptions, type RunningApp } from '../../app/server.js'
import { DEFAULT_THROTTLE_POLICY } from '../../app/throttle.js'

/** A config for tests: server carrier, memory store, a random key, scrypt N = 2^10. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    carrier: 'server',
    store: 'memory',
    dataDir: overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), 'tessera-app-')),
    redisUrl: undefined,
    databaseUrl: undefined,
    host: '127.0.0.1',
    port: 0,
    keys: [{ id: 'test', key: randomBytes(32) }],
    keySource: 'test',
    scryptLogN: 10,
    trustProxy: false,
    ...overrides,
  }
}

/** A running test app; `close` also deletes its data directory unless `keepData`. */
export async function startTestApp(
  overrides: Partial<AppConfig> = {},
  options: CreateServerOptions = {},
): Promise<RunningApp & { config: AppConfig; close(keepData?: boolean): Promise<void> }> {
  const config = testConfig(overrides)
  // Test suites register many users from 127.0.0.1, more than the registrations one address
  // may make unslowed; the registration limit is tested on the shipped app (test/attack/app/).
  // On Redis and PostgreSQL the app's throttle counters live under fixed names that every test
  // suite on the same server shares, and all their clients are 127.0.0.1: the IP-wide and
  // account-wide limits would be reached by the failures of unrelated suites. A test that checks
  // those limits passes its own policy.
  const shared = config.store === 'redis' || config.store === 'postgres'
  const throttlePolicy = shared
    ? {
        ...DEFAULT_THROTTLE_POLICY,
        ipFreeFailures: 1_000_000,
        accountFreeFailures: 1_000_000,
        invalidSessionFreeFailures: 1_000_000,
        registrationFreeAttempts: 1_000_000,
      }
    : { ...DEFAULT_THROTTLE_POLICY, registrationFreeAttempts: 1_000_000 }
  const running = await startServer(config, {
    log: () => {},
    throttlePolicy,
    ...options,
  })
  return {
    ...running,
    config,
    async close(keepData = false) {
      await running.close()
      if (!keepData) rmSync(config.dataDir, { recursive: true, force: true })
    },
  }
}
