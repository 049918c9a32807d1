// The reference app as it ships, for attack tests: its config is built by the same `loadConfig`
// that `tessera serve` and `npm start` run, from command-line arguments and an environment (a
// random session key, a temporary data directory, 127.0.0.1 and port 0), with the app's own
// defaults for everything else: the throttle policy, the store's own throttle backend and
// accounts. The only changes from production are cheaper password hashing
// (TESSERA_SCRYPT_LOG_N=10, an option the app reads itself) and the seams a test asks for.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, after, before } from 'node:test'
import { loadConfig, type AppConfig, type CarrierName } from '../../app/config.js'
import { startServer, type CreateServerOptions } from '../../app/server.js'
import { WebClient, type Page } from './web-client.js'

/** The carriers the app serves, each attacked on every store of `SHIPPED_STORES`. */
export const SHIPPED_CARRIERS: readonly CarrierName[] = ['server', 'cookie', 'token']

/**
 * The stores the shipped-app attacks run on. Redis and PostgreSQL are left out here: there the
 * app's throttle counters live under fixed names that every suite on the shared server also
 * writes from 127.0.0.1, so the shipped limits would count other suites' requests. Their
 * throttle backends are attacked directly in test/app/throttle.test.ts.
 */
export const SHIPPED_STORES = ['memory', 'sqlite'] as const
export type ShippedStore = (typeof SHIPPED_STORES)[number]

/** One event the app logged. */
export type LogEntry = Readonly<Record<string, unknown>>

/** A running shipped app on 127.0.0.1:0. */
export interface ShippedApp {
  readonly url: string
  readonly config: AppConfig
  /** Everything the app logged, in order (the app's `log`, which goes to stdout in production). */
  readonly logged: LogEntry[]
  /** A browser with an empty cookie jar. */
  client(userAgent?: string): WebClient
  /** Registers `username` from a throwaway browser, then signs in from a new one; that one. */
  signedUp(username: string, password?: string): Promise<WebClient>
  /** Stops the app and deletes its data directory. */
  close(): Promise<void>
}

/** What a test may choose about the shipped app. */
export interface ShippedAppOptions {
  readonly carrier: CarrierName
  readonly store: ShippedStore
  /** More `tessera serve` arguments, e.g. `['--trust-proxy', 'loopback']`. */
  readonly args?: readonly string[]
  /** More environment variables, e.g. `{ TESSERA_TRUST_PROXY: '1' }`. */
  readonly env?: Readonly<Record<string, string>>
  /** Test seams of `createServer` (a counting password KDF); never a policy of its own. */
  readonly seams?: Omit<CreateServerOptions, 'throttlePolicy' | 'throttleBackend' | 'log'>
}

export const SHIPPED_PASSWORD = 'correct horse battery'

/** The config `tessera serve` would build from these arguments and environment. */
export function shippedConfig(options: ShippedAppOptions, dataDir: string): AppConfig {
  const argv = [
    '--carrier',
    options.carrier,
    '--store',
    options.store,
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(options.args ?? []),
  ]
  const env = {
    TESSERA_SESSION_KEY: randomBytes(32).toString('base64url'),
    TESSERA_SCRYPT_LOG_N: '10',
    ...options.env,
  }
  return loadConfig(argv, env)
}

/** Starts the shipped app for one carrier and store. */
export async function startShippedApp(options: ShippedAppOptions): Promise<ShippedApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-shipped-'))
  const logged: LogEntry[] = []
  try {
    const config = shippedConfig(options, dataDir)
    const running = await startServer(config, {
      ...options.seams,
      log: (entry) => void logged.push(entry),
    })
    return {
      url: running.url,
      config,
      logged,
      client: (userAgent) => new WebClient(running.url, userAgent),
      async signedUp(username, password = SHIPPED_PASSWORD) {
        const registered = await new WebClient(running.url).submit('/register', '/register', {
          username,
          password,
        })
        if (registered.status !== 303) {
          throw new Error(`registering ${username} answered ${registered.status}`)
        }
        const browser = new WebClient(running.url)
        const res = await browser.submit('/login', '/login', { username, password })
        if (res.status !== 303 || res.location !== '/profile') {
          throw new Error(`signing in ${username} answered ${res.status}`)
        }
        return browser
      },
      async close() {
        await running.close()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
}

/**
 * Registers `body` once per carrier and store, each in its own describe block with its own
 * shipped app, started before the block's tests and closed after them.
 */
export function forEachShippedApp(
  title: string,
  body: (app: () => ShippedApp, variant: { carrier: CarrierName; store: ShippedStore }) => void,
  options: Omit<ShippedAppOptions, 'carrier' | 'store'> = {},
): void {
  for (const store of SHIPPED_STORES) {
    for (const carrier of SHIPPED_CARRIERS) {
      describe(`${title}: ${carrier} carrier on ${store}`, () => {
        let app: ShippedApp | undefined
        before(async () => {
          app = await startShippedApp({ ...options, carrier, store })
        })
        after(async () => {
          await app?.close()
        })
        body(
          () => {
            if (app === undefined) throw new Error('the shipped app did not start')
            return app
          },
          { carrier, store },
        )
      })
    }
  }
}

/** A session cookie of the right shape for `carrier` that the app never issued. */
export function forgedSessionCookie(carrier: CarrierName): string {
  const random = randomBytes(32).toString('base64url')
  if (carrier === 'server') return `tessera=${random}`
  if (carrier === 'cookie') return `tessera=k1.${random}${random}`
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  return `tessera=${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64({ sub: 'alice' })}.${random}`
}

/** Sends `count` requests at once through `send`, in batches of at most `batch`; their pages. */
export async function inParallel(
  count: number,
  send: (i: number) => Promise<Page>,
  batch = count,
): Promise<Page[]> {
  const pages: Page[] = []
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start)
    pages.push(...(await Promise.all(Array.from({ length: n }, (_, j) => send(start + j)))))
  }
  return pages
}
