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
import { scryptKdf, type PasswordKdf } from '../../app/accounts.js'
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
  /** A new browser signed in as `username`. */
  signedIn(username: string, password?: string): Promise<WebClient>
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
  /**
   * Test seams of `createServer`: a counting password KDF, a shorter recent-sign-in window, or,
   * for a test that must not depend on how fast the machine runs, the shipped throttle policy
   * with a longer delay. Never another backend: the store's own is what ships.
   */
  readonly seams?: Omit<CreateServerOptions, 'throttleBackend' | 'accountRepository' | 'log'>
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
    const signedIn = async (username: string, password = SHIPPED_PASSWORD) => {
      const browser = new WebClient(running.url)
      const res = await browser.submit('/login', '/login', { username, password })
      if (res.status !== 303 || res.location !== '/profile') {
        throw new Error(`signing in ${username} answered ${res.status}`)
      }
      return browser
    }
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
        return signedIn(username, password)
      },
      signedIn,
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

/** Counts the calls of the app's password KDF (scrypt): one per hash or password check. */
export interface KdfCounter {
  readonly seam: { passwordKdf: PasswordKdf }
  /** Calls so far. */
  calls(): number
  /**
   * Sends `count` requests at once through `send` and holds every password check they reach
   * until each request has either reached one or been answered: all of them are in flight
   * together, however fast the machine hashes, as they would be against scrypt at its shipped
   * cost. Resolves to the pages, in order, and how many password checks they made.
   */
  burst(
    count: number,
    send: (i: number) => Promise<Page>,
  ): Promise<{ pages: Page[]; checks: number }>
}

/** A `passwordKdf` seam that runs the real scrypt and counts its calls. */
export function countingKdf(): KdfCounter {
  let calls = 0
  let holding: { arrive(): void; released: Promise<void> } | null = null
  return {
    seam: {
      passwordKdf: async (password, salt, logN) => {
        calls++
        const hold = holding
        if (hold !== null) {
          hold.arrive()
          await hold.released
        }
        return scryptKdf(password, salt, logN)
      },
    },
    calls: () => calls,
    async burst(count, send) {
      let release = () => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      let arrived = 0
      let open = true
      const arrive = () => {
        if (open && ++arrived >= count) {
          open = false
          holding = null
          release()
        }
      }
      holding = { arrive, released }
      const before = calls
      const pages = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          send(i).then((page) => {
            arrive() // answered while checks were held: it never reached one
            return page
          }),
        ),
      )
      return { pages, checks: calls - before }
    },
  }
}
