// The attack suite's matrix (docs/security-requirements.md: OP-4): every carrier on every store,
// each as the real Express 5 test app (test/helpers/express-app.ts) on 127.0.0.1:0, driven over
// real HTTP. One app per variant and test file, started before its tests and closed (store and all)
// after.
import { after, before, describe } from 'node:test'
import { randomBytes } from 'node:crypto'
import type { ExpressSessionOptions } from '../../src/adapters/express.js'
import type { CarrierKind } from '../../src/session/carrier.js'
import type { Store } from '../../src/stores/store.js'
import { fakeClock, type FakeClock } from '../../src/testing/fake-clock.js'
import {
  openBacking,
  SERVICE_OF,
  STORE_KINDS,
  type Backing,
  type StoreKind,
} from './attack-stores.js'
import { testApp, type AppData, type TestApp } from './express-app.js'
import { client, form, listen, type Client, type Running } from './http.js'
import { serviceUrl } from './services.js'

/** One cell of the matrix: a carrier, and the store it keeps its state in (none: stateless). */
export interface Variant {
  readonly name: string
  readonly carrier: CarrierKind
  readonly store: StoreKind | null
}

const CARRIERS: readonly CarrierKind[] = ['cookie', 'server', 'token']

export const VARIANTS: readonly Variant[] = [
  { name: 'cookie carrier without a store', carrier: 'cookie', store: null },
  ...STORE_KINDS.flatMap((store) =>
    CARRIERS.map((carrier) => ({ name: `${carrier} carrier on ${store}`, carrier, store })),
  ),
]

/**
 * Why a variant cannot end a session before its deadline, or null when it can: the cookie
 * carrier without a store keeps nothing on the server (SECURITY.md, docs/carriers.md).
 */
export function cannotRevoke(variant: Variant): string | false {
  return variant.store === null
    ? 'the cookie carrier without a store cannot revoke a cookie before its deadline (documented)'
    : false
}

/** The auth cookie names a carrier writes over plain HTTP (the cookie carrier's chunks aside). */
export function authCookieNames(carrier: CarrierKind): string[] {
  return carrier === 'token' ? ['tessera', 'tessera-refresh'] : ['tessera']
}

/** A running instance of the test app for one variant. */
export interface Instance {
  readonly t: TestApp
  readonly server: Running
  /** A browser with an empty cookie jar. */
  client(): Client
  /** A browser signed in as `user` through POST /login. */
  signedIn(user?: string): Promise<Client>
}

/** The variant's app, and what the attack tests reach for around it. */
export interface AttackApp extends Instance {
  readonly variant: Variant
  /** The clock of the app and its store: time moves only when a test moves it. */
  readonly clock: FakeClock
  readonly backing: Backing | null
  readonly keys: { id: string; key: Buffer }[]
  /** A copy of `c`'s cookies in a new browser (another tab, or a thief's copy). */
  copy(c: Client): Client
  /**
   * Another instance of the app (another process): by default the same keys and the same data
   * (its own caches), closed with the variant. `store: 'fresh'` gives it a store of its own.
   */
  another(options?: {
    keys?: { id: string; key: Buffer }[]
    store?: 'same' | 'fresh'
    app?: Partial<ExpressSessionOptions<AppData>>
  }): Promise<Instance>
}

interface MatrixOptions {
  /** Only these variants (the others are not registered at all). */
  readonly only?: (variant: Variant) => boolean
  /** Extra options of the app's session() for a variant. */
  readonly app?: (variant: Variant) => Partial<ExpressSessionOptions<AppData>>
}

/**
 * Registers `body` once per variant, each in its own describe block with its own app. A variant
 * on Redis or PostgreSQL whose URL is unset is skipped with a message, or fails under
 * TESSERA_REQUIRE_SERVICES=1 (test/helpers/services.ts).
 */
export function forEachVariant(
  title: string,
  body: (app: () => AttackApp, variant: Variant) => void,
  options: MatrixOptions = {},
): void {
  for (const variant of VARIANTS) {
    if (options.only !== undefined && !options.only(variant)) continue
    describe(`${title}: ${variant.name}`, () => {
      const service = variant.store === null ? null : SERVICE_OF[variant.store]
      if (service !== null && serviceUrl(service) === undefined) return
      let app: AttackApp | undefined
      const closers: (() => Promise<void>)[] = []
      before(async () => {
        app = await startVariant(variant, options.app?.(variant) ?? {}, closers)
      })
      after(async () => {
        for (const close of closers.reverse()) await close()
      })
      body(() => app as AttackApp, variant)
    })
  }
}

async function startVariant(
  variant: Variant,
  extra: Partial<ExpressSessionOptions<AppData>>,
  closers: (() => Promise<void>)[],
): Promise<AttackApp> {
  const clock = fakeClock(Date.now())
  const keys = [{ id: 'attack-1', key: randomBytes(32) }]
  const backings: Backing[] = []
  const openStore = async (): Promise<Backing | null> => {
    if (variant.store === null) return null
    const backing = await openBacking(variant.store, clock)
    backings.push(backing)
    closers.push(() => backing.close())
    return backing
  }
  const backing = await openStore()

  async function instance(
    store: Store | undefined,
    instanceKeys: { id: string; key: Buffer }[],
    more: Partial<ExpressSessionOptions<AppData>>,
  ): Promise<Instance> {
    const options = {
      carrier: variant.carrier,
      keys: instanceKeys,
      clock,
      ...(store === undefined ? { store: undefined } : {}),
      ...extra,
      ...more,
    } as Partial<ExpressSessionOptions<AppData>>
    const t = testApp(options, store)
    // X-Forwarded-Proto from the test client on loopback counts: HTTPS can be simulated.
    t.app.set('trust proxy', 'loopback')
    // Quiets the default error handler's console log; outside 'production' it still renders
    // err.stack into the body, so the tests see whatever a stack would leak.
    t.app.set('env', 'test')
    const server = await listen(t.app)
    closers.push(() => server.close())
    return {
      t,
      server,
      client: () => client(server.url),
      async signedIn(user = 'alice') {
        const c = client(server.url)
        const res = await c.request('/login', form({ user }))
        if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.text}`)
        return c
      },
    }
  }

  const main = await instance(backing?.store, keys, {})
  return {
    ...main,
    variant,
    clock,
    backing,
    keys,
    copy(c) {
      const copy = client(main.server.url)
      for (const [name, value] of c.jar) copy.jar.set(name, value)
      return copy
    },
    async another(options = {}) {
      const fresh = options.store === 'fresh' ? await openStore() : null
      const store = fresh?.store ?? backing?.twin()
      return instance(store, options.keys ?? keys, options.app ?? {})
    },
  }
}

/** The claims of a JWT, read without verifying it (to find a token's `sid` in a test). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** True for a status the server answers when it broke (5xx). */
export function isServerError(status: number): boolean {
  return status >= 500 && status <= 599
}
