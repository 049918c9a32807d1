// The lifetime a login chooses (`login(userId, { persistent: false })`, `{ maxAgeSeconds }`) is
// kept by every later cookie write of that session: after a data update, after a touch, and
// (token carrier) after a refresh, on every carrier and every store. The default is unchanged.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { isTesseraError } from '../../src/errors.js'
import { decodeCookieState, encodeCookieState } from '../../src/session/record-codec.js'
import {
  createSessionManager,
  type ManagerRequest,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/session/manager.js'
import type { LoginOptions } from '../../src/session/request-session.js'
import type { Session } from '../../src/session/session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import type { Store } from '../../src/stores/store.js'
import { fakeClock, type FakeClock } from '../../src/testing/fake-clock.js'
import { sessionRecord } from '../../src/testing/fixtures.js'
import { openBacking, SERVICE_OF, STORE_KINDS, type Backing } from '../helpers/attack-stores.js'
import { serviceUrl } from '../helpers/services.js'
import { recordingSink, testKeys } from '../helpers/session.js'

const IDLE = 1800
const ABSOLUTE = 4 * 3600
const TOUCH = 60
const ACCESS = 600
const REMEMBER = 2 * 3600

type CarrierKind = 'server' | 'cookie' | 'token'
type Data = { n?: number }

/** The auth cookies a carrier sets (plain-HTTP names on localhost). */
function authNames(carrier: CarrierKind): string[] {
  return carrier === 'token' ? ['tessera', 'tessera-refresh'] : ['tessera']
}

/** A browser: keeps the cookies it is given, in order, and what the last response set. */
class Browser {
  readonly jar = new Map<string, string>()
  /** The last Set-Cookie line of each name in the latest response: what the browser kept. */
  last = new Map<string, string>()

  header(): string | undefined {
    return this.jar.size === 0
      ? undefined
      : [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  receive(lines: readonly string[]): void {
    this.last = new Map()
    for (const line of lines) {
      const pair = line.split(';')[0] as string
      const name = pair.slice(0, pair.indexOf('='))
      this.last.set(name, line)
      if (/;\s*Max-Age=0(;|$)/i.test(line)) this.jar.delete(name)
      else this.jar.set(name, pair.slice(pair.indexOf('=') + 1))
    }
  }
}

function maxAge(line: string): number | null {
  const match = /;\s*Max-Age=(\d+)/i.exec(line)
  return match === null ? null : Number(match[1])
}

function hasExpires(line: string): boolean {
  return /;\s*Expires=/i.test(line)
}

interface Harness {
  readonly m: SessionManager<Data>
  readonly clock: FakeClock
  readonly browser: Browser
  /** One request: opens the session, runs `fn`, commits like an adapter; returns its Set-Cookies. */
  visit(fn?: (session: Session<Data>) => Promise<void> | void): Promise<{
    cookies: string[]
    userId: string | null
  }>
}

function harness(
  carrier: CarrierKind,
  store: Store | undefined,
  clock: FakeClock,
  options: Partial<SessionManagerOptions> = {},
): Harness {
  const m = createSessionManager<Data>({
    carrier,
    ...(store === undefined ? {} : { store }),
    keys: testKeys(),
    clock,
    idleTimeoutSeconds: IDLE,
    absoluteTimeoutSeconds: ABSOLUTE,
    touchIntervalSeconds: TOUCH,
    ...(carrier === 'token' ? { accessTokenSeconds: ACCESS } : {}),
    ...options,
  } as SessionManagerOptions)
  const browser = new Browser()
  return {
    m,
    clock,
    browser,
    async visit(fn) {
      const sink = recordingSink()
      const request: ManagerRequest = {
        cookieHeader: browser.header(),
        secure: false,
        host: 'localhost',
        method: 'POST',
        origin: 'http://localhost',
      }
      const session = await m.open(request, sink)
      await fn?.(session)
      if (session.needsCommit()) await session.commit(true)
      browser.receive(sink.cookies)
      return { cookies: sink.cookies, userId: session.userId }
    },
  }
}

/** The auth cookies the latest response set (the last line of each name), by name. */
function authCookies(h: Harness, carrier: CarrierKind): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of authNames(carrier)) {
    const line = h.browser.last.get(name)
    if (line !== undefined) out.set(name, line)
  }
  return out
}

/** Every auth cookie the latest response set has no Max-Age and no Expires. */
function assertBrowserSession(h: Harness, carrier: CarrierKind, step: string): void {
  for (const [name, line] of authCookies(h, carrier)) {
    assert.equal(maxAge(line), null, `${step}: ${name} must be a browser-session cookie: ${line}`)
    assert.equal(hasExpires(line), false, `${step}: ${name} has no Expires: ${line}`)
  }
}

/**
 * The session cookie the latest response set (server, cookie: the session cookie; token: the
 * access cookie) has Max-Age `expected`; the token carrier's refresh cookie, when set, lasts to
 * the absolute deadline `refreshExpected`.
 */
function assertMaxAge(
  h: Harness,
  carrier: CarrierKind,
  expected: number,
  step: string,
  refreshExpected?: number,
): void {
  const set = authCookies(h, carrier)
  const main = set.get('tessera')
  assert.ok(main !== undefined, `${step}: the session cookie is written again`)
  assert.equal(maxAge(main), expected, `${step}: ${main}`)
  const refresh = set.get('tessera-refresh')
  if (refresh !== undefined && refreshExpected !== undefined) {
    assert.equal(maxAge(refresh), refreshExpected, `${step}: refresh cookie ${refresh}`)
  }
}

/** The browser-session scenario: login, a data update, a touch, a refresh (token). */
async function browserSessionScenario(carrier: CarrierKind, h: Harness): Promise<void> {
  await h.visit((s) => s.login('alice', { persistent: false }))
  assert.ok(authCookies(h, carrier).size > 0, 'login sets the cookie')
  assertBrowserSession(h, carrier, 'login')
  h.clock.advanceSeconds(5)
  const updated = await h.visit((s) => void (s.data.n = 1))
  assert.equal(updated.userId, 'alice')
  if (carrier !== 'server') assert.ok(authCookies(h, carrier).size > 0, 'a data write rewrites it')
  assertBrowserSession(h, carrier, 'after a data update')
  h.clock.advanceSeconds(TOUCH + 1)
  const touched = await h.visit()
  assert.equal(touched.userId, 'alice')
  if (carrier !== 'server') assert.ok(authCookies(h, carrier).size > 0, 'a touch rewrites it')
  assertBrowserSession(h, carrier, 'after a touch')
  if (carrier === 'token') {
    h.clock.advanceSeconds(ACCESS + 10) // the access token has expired (beyond the 5 s tolerance)
    const refreshed = await h.visit()
    assert.equal(refreshed.userId, 'alice')
    assert.ok(authCookies(h, carrier).has('tessera-refresh'), 'the refresh rotated the token')
    assertBrowserSession(h, carrier, 'after a refresh')
  }
  // The idle timeout still applies to a browser-session login.
  h.clock.advanceSeconds(IDLE + 1)
  assert.equal((await h.visit()).userId, null, 'idle timeout unchanged')
}

/**
 * The remember-me scenario: Max-Age = REMEMBER on login and on every later write, the session
 * survives an idle spell longer than the idle timeout, and Max-Age is capped at the absolute
 * deadline near its end.
 */
async function rememberScenario(carrier: CarrierKind, h: Harness): Promise<void> {
  const start = h.clock.now()
  const leftToAbsolute = () => Math.floor((start + ABSOLUTE * 1000 - h.clock.now()) / 1000)
  await h.visit((s) => s.login('alice', { maxAgeSeconds: REMEMBER }))
  assertMaxAge(h, carrier, REMEMBER, 'login', ABSOLUTE)
  h.clock.advanceSeconds(5)
  await h.visit((s) => void (s.data.n = 1))
  assertMaxAge(h, carrier, REMEMBER, 'after a data update')
  h.clock.advanceSeconds(TOUCH + 1)
  await h.visit()
  assertMaxAge(h, carrier, REMEMBER, 'after a touch')
  // Away longer than the idle timeout, within the remembered lifetime: still signed in.
  h.clock.advanceSeconds(IDLE * 2)
  const back = await h.visit()
  assert.equal(back.userId, 'alice', 'remember me outlasts the idle timeout')
  assert.equal(back.cookies.length > 0, true)
  assertMaxAge(
    h,
    carrier,
    Math.min(REMEMBER, leftToAbsolute()),
    'after an idle spell',
    leftToAbsolute(),
  )
  h.clock.advanceSeconds(IDLE * 2)
  await h.visit((s) => void (s.data.n = 2))
  assertMaxAge(
    h,
    carrier,
    Math.min(REMEMBER, leftToAbsolute()),
    'after another idle spell and an update: capped as the absolute deadline nears',
    leftToAbsolute(),
  )
  // Near the absolute deadline, Max-Age is what is left of it.
  h.clock.set(start + (ABSOLUTE - 1000) * 1000)
  const late = await h.visit()
  assert.equal(late.userId, 'alice')
  assertMaxAge(h, carrier, 1000, 'capped at the absolute deadline', 1000)
  h.clock.set(start + ABSOLUTE * 1000 + 1)
  assert.equal((await h.visit()).userId, null, 'nothing outlives the absolute timeout')
}

/** A variant: a carrier and the store it runs on (none: the cookie carrier alone). */
interface Variant {
  readonly carrier: CarrierKind
  readonly kind: (typeof STORE_KINDS)[number] | null
}

const VARIANTS: Variant[] = [
  { carrier: 'cookie', kind: null },
  ...STORE_KINDS.flatMap((kind) =>
    (['server', 'cookie', 'token'] as const).map((carrier) => ({ carrier, kind })),
  ),
]

describe('login lifetime, kept by every later cookie write', () => {
  const opened: Backing[] = []
  after(async () => {
    for (const backing of opened) await backing.close()
  })
  const skipped = new Set<string>()
  for (const kind of STORE_KINDS) {
    const service = SERVICE_OF[kind]
    if (service !== null && serviceUrl(service) === undefined) skipped.add(kind)
  }

  for (const variant of VARIANTS) {
    if (variant.kind !== null && skipped.has(variant.kind)) continue
    const label = `${variant.carrier} carrier on ${variant.kind ?? 'no store'}`
    const make = async (options: Partial<SessionManagerOptions> = {}) => {
      const clock = fakeClock()
      let store: Store | undefined
      if (variant.kind !== null) {
        const backing = await openBacking(variant.kind, clock)
        opened.push(backing)
        store = backing.store
      }
      return harness(variant.carrier, store, clock, options)
    }

    it(`${label}: persistent: false gives a browser-session cookie, on login and every later write`, async () => {
      // cookieMaxAgeSeconds would make the cookie persistent: the login's choice wins.
      await browserSessionScenario(variant.carrier, await make({ cookieMaxAgeSeconds: 3600 }))
    })

    it(`${label}: maxAgeSeconds sets Max-Age on login and every later write, capped at the absolute deadline`, async () => {
      await rememberScenario(variant.carrier, await make())
    })

    it(`${label}: without a choice, the defaults are unchanged`, async () => {
      const plain = await make()
      await plain.visit((s) => s.login('alice'))
      assertBrowserSession(plain, variant.carrier, 'default login')
      plain.clock.advanceSeconds(IDLE + 1)
      assert.equal((await plain.visit()).userId, null, 'the idle timeout applies')
      const configured = await make({ cookieMaxAgeSeconds: 3600 })
      await configured.visit((s) => s.login('alice'))
      assertMaxAge(configured, variant.carrier, 3600, 'cookieMaxAgeSeconds')
    })
  }
})

describe('persistent: true', () => {
  for (const carrier of ['server', 'cookie', 'token'] as const) {
    it(`${carrier}: remembers for cookieMaxAgeSeconds, or else for the absolute timeout`, async () => {
      const configured = harness(carrier, createMemoryStore(), fakeClock(), {
        cookieMaxAgeSeconds: 3600,
      })
      await configured.visit((s) => s.login('alice', { persistent: true }))
      assertMaxAge(configured, carrier, 3600, 'cookieMaxAgeSeconds')
      configured.clock.advanceSeconds(IDLE * 1.5)
      assert.equal((await configured.visit()).userId, 'alice', 'it outlasts the idle timeout')
      const bare = harness(carrier, createMemoryStore(), fakeClock())
      await bare.visit((s) => s.login('alice', { persistent: true }))
      assertMaxAge(bare, carrier, ABSOLUTE, 'absoluteTimeoutSeconds')
    })
  }
})

describe('bearer clients', () => {
  it('get no cookie whatever the lifetime, and the session keeps its remembered idle window', async () => {
    const clock = fakeClock()
    const m = createSessionManager({
      carrier: 'token',
      store: createMemoryStore(),
      keys: testKeys(),
      clock,
      idleTimeoutSeconds: IDLE,
      absoluteTimeoutSeconds: ABSOLUTE,
      accept: 'bearer',
    })
    const sink = recordingSink()
    const session = await m.open({ cookieHeader: undefined, secure: true, method: 'POST' }, sink)
    await session.login('alice', { maxAgeSeconds: REMEMBER })
    assert.deepEqual(sink.cookies, [])
    const tokens = session.tokens()
    assert.ok(tokens?.refresh_token !== undefined)
    clock.advanceSeconds(IDLE * 2)
    const next = await m.refresh(tokens.refresh_token)
    assert.ok(next !== null, 'the refresh works after an idle spell within the remembered lifetime')
  })
})

describe('login options are checked', () => {
  const bad: [string, unknown, RegExp][] = [
    ['an unknown option', { remember: true }, /unknown option "remember"/],
    ['a negative maxAgeSeconds', { maxAgeSeconds: -1 }, /maxAgeSeconds must be .*got -1/],
    [
      'a fractional maxAgeSeconds',
      { maxAgeSeconds: 3600.5 },
      /maxAgeSeconds must be .*got 3600\.5/,
    ],
    ['a maxAgeSeconds of 0', { maxAgeSeconds: 0 }, /maxAgeSeconds must be .*got 0/],
    [
      'a maxAgeSeconds within the touch interval',
      { maxAgeSeconds: TOUCH },
      /touchIntervalSeconds \(60\)/,
    ],
    [
      'a maxAgeSeconds as a string',
      { maxAgeSeconds: '3600' },
      /maxAgeSeconds must be .*got a string/,
    ],
    [
      'both options',
      { persistent: false, maxAgeSeconds: 3600 },
      /persistent and maxAgeSeconds cannot be given together/,
    ],
    [
      'a persistent that is not a boolean',
      { persistent: 'yes' },
      /persistent must be true or false, got a string/,
    ],
    ['options that are not an object', 'forever', /options must be an object/],
  ]
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with ERR_CONFIG_INVALID naming it, and starts no session`, async () => {
      const store = createMemoryStore()
      const h = harness('server', store, fakeClock())
      await assert.rejects(
        h.visit((s) => s.login('alice', options as LoginOptions<Data>)),
        (err: unknown) =>
          isTesseraError(err, 'ERR_CONFIG_INVALID') && message.test((err as Error).message),
      )
      assert.equal(h.browser.jar.size, 0, 'no cookie')
      assert.deepEqual(await store.sessions.listByUser('alice'), [])
    })
  }
})

describe('the sealed cookie state and the access token claim', () => {
  it('encode a record without a choice exactly as before (five counters), and read it back without one', () => {
    const record = { ...sessionRecord(), meta: {} }
    const text = encodeCookieState(record)
    assert.equal((JSON.parse(text) as unknown[][])[4]?.length, 5)
    const decoded = decodeCookieState(text)
    assert.deepEqual(decoded, record)
    assert.equal(decoded !== null && 'maxAgeSeconds' in decoded, false)
  })

  it('carry a number or null as a sixth counter, and refuse anything else there', () => {
    for (const maxAgeSeconds of [REMEMBER, null]) {
      const record = { ...sessionRecord({ maxAgeSeconds }), meta: {} }
      assert.deepEqual(decodeCookieState(encodeCookieState(record)), record)
    }
    const base = JSON.parse(encodeCookieState({ ...sessionRecord(), meta: {} })) as unknown[]
    for (const sixth of [0, -1, 1.5, '3600', true, {}]) {
      const counters = [...(base[4] as unknown[]), sixth]
      assert.equal(decodeCookieState(JSON.stringify([...base.slice(0, 4), counters])), null)
    }
  })
})
