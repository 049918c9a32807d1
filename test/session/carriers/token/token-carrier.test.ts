import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { decodeBase64url } from '../../../../src/crypto/base64url.js'
import { sha256 } from '../../../../src/crypto/hash.js'
import { createKeyring } from '../../../../src/crypto/keyring.js'
import { isTesseraError, type TesseraErrorCode } from '../../../../src/errors.js'
import { exportJwks, generateKey } from '../../../../src/jwt/index.js'
import {
  createSessionManager,
  type SessionManager,
  type SessionManagerOptions,
} from '../../../../src/session/manager.js'
import type { SessionEvent } from '../../../../src/session/request-session.js'
import { createMemoryStore } from '../../../../src/stores/memory.js'
import type { Store } from '../../../../src/stores/store.js'
import { fakeClock, type FakeClock } from '../../../../src/testing/fake-clock.js'
import { signedIn, visit, type TestData } from '../../../helpers/carrier-visit.js'
import { cookieJar, type CookieJar } from '../../../helpers/cookie-jar.js'
import { instrument, testKeys } from '../../../helpers/session.js'

const ACCESS = 'tessera'
const REFRESH = 'tessera-refresh'

interface Setup {
  manager: SessionManager<TestData>
  store: Store
  clock: FakeClock
  events: SessionEvent[]
  rejects: TesseraErrorCode[]
}

function setup(
  options: Partial<SessionManagerOptions> & Record<string, unknown> = {},
  shared?: { store: Store; clock: FakeClock; keys: ReturnType<typeof testKeys> },
): Setup & { keys: ReturnType<typeof testKeys> } {
  const clock = shared?.clock ?? fakeClock(Date.UTC(2026, 0, 1))
  const store = shared?.store ?? createMemoryStore({ clock })
  const keys = shared?.keys ?? testKeys()
  const events: SessionEvent[] = []
  const rejects: TesseraErrorCode[] = []
  const manager = createSessionManager<TestData>({
    carrier: 'token',
    store,
    keys,
    clock,
    onEvent: (e) => events.push(e),
    onReject: (code) => rejects.push(code),
    ...options,
  } as SessionManagerOptions)
  return { manager, store, clock, events, rejects, keys }
}

function claimsOf(jar: CookieJar): Record<string, unknown> {
  const token = jar.cookies.get(ACCESS)
  assert.ok(token, 'the jar holds an access token')
  return JSON.parse(decodeBase64url(token.split('.')[1]!)!.toString()) as Record<string, unknown>
}

describe('token carrier', () => {
  it('keeps the device a session was signed in from (ip, user agent) through later writes', async () => {
    // The access token carries no device; each write is built from the token's record, so the
    // store's copy must lend it, or list() would lose it after the first update.
    const s = setup()
    const jar = cookieJar()
    const device = { ip: '203.0.113.7', userAgent: 'Laptop Browser' }
    await visit(s.manager, jar, (x) => x.login('alice'), device)
    for (let i = 0; i < 3; i++) {
      await visit(s.manager, jar, (x) => x.update((d) => void (d.count = i)), device)
      s.clock.advanceMs(1500) // past the revocation cache: the store is read again
    }
    const { session } = await visit(s.manager, jar)
    const [info] = await session.list()
    assert.equal(info?.ip, device.ip)
    assert.equal(info?.userAgent, device.userAgent)
    assert.equal(session.data.count, 2)
  })

  it('login sets an HttpOnly access-token cookie (a JWT with sub, sid, iat, exp, jti and the data) and a SameSite=Strict refresh cookie', async () => {
    const s = setup()
    const jar = cookieJar()
    const { sink } = await visit(s.manager, jar, (x) => x.login('alice', { data: { count: 1 } }))
    const access = sink.cookies.find((c) => c.startsWith(`${ACCESS}=`))!
    const refresh = sink.cookies.find((c) => c.startsWith(`${REFRESH}=`))!
    assert.match(access, /HttpOnly/)
    assert.match(access, /SameSite=Lax/)
    assert.match(refresh, /HttpOnly/)
    assert.match(refresh, /SameSite=Strict/)
    assert.match(refresh, /Path=\//)
    const claims = claimsOf(jar)
    assert.equal(claims.sub, 'alice')
    assert.equal(typeof claims.sid, 'string')
    assert.equal(typeof claims.jti, 'string')
    assert.equal((claims.exp as number) - (claims.iat as number), 600)
    assert.deepEqual(claims.data, { count: 1 })
  })

  it('keeps only the hash of the refresh token in the store', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const token = jar.cookies.get(REFRESH)!
    const used = await s.store.refreshTokens.use(sha256(token), s.clock.now())
    assert.equal(used?.userId, 'alice')
    assert.ok(!JSON.stringify(used).includes(token))
  })

  it('refreshes inside the middleware when the access token has expired: routes never see it', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const firstRefresh = jar.cookies.get(REFRESH)
    const firstJti = claimsOf(jar).jti
    s.clock.advanceSeconds(11 * 60)
    const { session, sink } = await visit(s.manager, jar)
    assert.equal(session.userId, 'alice')
    assert.ok(sink.cookies.some((c) => c.startsWith(`${REFRESH}=`)))
    assert.notEqual(jar.cookies.get(REFRESH), firstRefresh, 'the refresh token rotated')
    assert.notEqual(claimsOf(jar).jti, firstJti, 'a new access token was issued')
  })

  it('rejects a reused refresh token and revokes its family', async () => {
    const s = setup()
    const victim = await signedIn(s.manager)
    const thief = victim.clone()
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(s.manager, victim)).session.userId, 'alice') // victim refreshes
    s.clock.advanceSeconds(30)
    // The thief replays the old refresh token, well after the grace window.
    assert.equal((await visit(s.manager, thief)).session.userId, null)
    assert.ok(s.rejects.includes('ERR_REFRESH_TOKEN_REUSED'))
    assert.deepEqual(
      s.events.filter((e) => e.type === 'refresh-token-reused'),
      [{ type: 'refresh-token-reused', userId: 'alice', count: 2 }],
    )
    // The whole family is dead: the victim is signed out at the next refresh too.
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(s.manager, victim)).session.userId, null)
  })

  it('lets two tabs that refresh at once both succeed (grace window)', async () => {
    const s = setup()
    const tab1 = await signedIn(s.manager)
    const tab2 = tab1.clone()
    s.clock.advanceSeconds(11 * 60)
    const [a, b] = await Promise.all([visit(s.manager, tab1), visit(s.manager, tab2)])
    assert.equal(a.session.userId, 'alice')
    assert.equal(b.session.userId, 'alice')
    assert.ok(!s.rejects.includes('ERR_REFRESH_TOKEN_REUSED'))
    // Both successors keep working.
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(s.manager, tab1)).session.userId, 'alice')
    assert.equal((await visit(s.manager, tab2)).session.userId, 'alice')
  })

  it('re-issues the access token when the data changes', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    await visit(s.manager, jar, (x) => x.update((d) => void (d.count = 5)))
    assert.deepEqual(claimsOf(jar).data, { count: 5 })
    await visit(s.manager, jar, (x) => void (x.data.username = 'Alice'))
    assert.deepEqual(claimsOf(jar).data, { count: 5, username: 'Alice' })
    assert.equal((await visit(s.manager, jar)).session.data.count, 5)
  })

  it('gives a tab holding an older access token the data another tab wrote since, and a fresh token', async () => {
    const s = setup()
    const tab1 = await signedIn(s.manager)
    const tab2 = tab1.clone()
    await visit(s.manager, tab1, (x) => x.update((d) => void (d.count = 7)))
    const { session, sink } = await visit(s.manager, tab2)
    assert.equal(session.data.count, 7)
    assert.ok(sink.cookies.some((c) => c.startsWith(`${ACCESS}=`)))
    assert.deepEqual(claimsOf(tab2).data, { count: 7 })
  })

  it('logout revokes the family: the old refresh cookie no longer works', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const copy = jar.clone()
    await visit(s.manager, jar, (x) => x.logout())
    assert.equal(jar.cookies.size, 0)
    assert.equal((await visit(s.manager, copy)).session.userId, null, 'access token refused')
    s.clock.advanceSeconds(11 * 60)
    const stale = cookieJar([[REFRESH, copy.cookies.get(REFRESH)!]])
    assert.equal((await visit(s.manager, stale)).session.userId, null, 'refresh refused')
  })

  it('refuses a revoked session’s outstanding access tokens within one second in every process after logoutEverywhere', async () => {
    const one = setup()
    const two = setup({}, one) // a second process on the same store
    const laptop = await signedIn(one.manager)
    const phone = await signedIn(two.manager)
    assert.equal((await visit(two.manager, phone)).session.userId, 'alice') // cached as live
    await visit(one.manager, laptop, (x) => x.logoutEverywhere())
    // This process forgot its cache at once; the other may answer from its cache for < 1 s.
    assert.equal((await visit(one.manager, phone.clone())).session.userId, null)
    one.clock.advanceMs(1000)
    assert.equal((await visit(two.manager, phone)).session.userId, null)
    assert.ok(two.rejects.includes('ERR_SESSION_NOT_FOUND'))
  })

  it('with the revocation check off, a revoked access token lives until it expires, and no longer', async () => {
    const s = setup({ revocationCheck: false })
    const laptop = await signedIn(s.manager)
    const phone = await signedIn(s.manager)
    await visit(s.manager, laptop, (x) => x.logoutEverywhere())
    assert.equal((await visit(s.manager, phone)).session.userId, 'alice')
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(s.manager, phone)).session.userId, null)
  })

  it('ends the family at its absolute lifetime, however often it refreshes', async () => {
    const s = setup({ absoluteTimeoutSeconds: 3600, idleTimeoutSeconds: 1800 })
    const jar = await signedIn(s.manager)
    for (let minutes = 11; minutes < 60; minutes += 11) {
      s.clock.advanceSeconds(11 * 60)
      assert.equal((await visit(s.manager, jar)).session.userId, 'alice', `${minutes} min`)
    }
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(s.manager, jar)).session.userId, null)
  })

  it('accepts the access token as Authorization: Bearer, unless configured for cookies only', async () => {
    const s = setup()
    const token = (await signedIn(s.manager)).cookies.get(ACCESS)!
    const bearer = { authorization: `Bearer ${token}` }
    assert.equal((await visit(s.manager, cookieJar(), undefined, bearer)).session.userId, 'alice')
    const cookiesOnly = setup({ accept: 'cookie' }, s)
    assert.equal(
      (await visit(cookiesOnly.manager, cookieJar(), undefined, bearer)).session.userId,
      null,
    )
  })

  it('signs with EdDSA keys when given, verifiable elsewhere through exportJwks', async () => {
    const jwtKeys = createKeyring([generateKey('EdDSA')])
    const s = setup({ jwtKeys })
    const jar = await signedIn(s.manager)
    const token = jar.cookies.get(ACCESS)!
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(exportJwks(jwtKeys) as Parameters<typeof createLocalJWKSet>[0]),
      {
        issuer: 'tessera',
        audience: 'tessera',
        typ: 'at+jwt',
        currentDate: new Date(s.clock.now()),
      },
    )
    assert.equal(protectedHeader.alg, 'EdDSA')
    assert.equal(payload.sub, 'alice')
  })

  it('keeps signed-in users through a key rotation', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const rotated = setup(
      {},
      { ...s, keys: [{ id: 'test-2', key: Buffer.alloc(32, 7) }, ...s.keys] },
    )
    assert.equal((await visit(rotated.manager, jar)).session.userId, 'alice')
    s.clock.advanceSeconds(11 * 60)
    assert.equal((await visit(rotated.manager, jar)).session.userId, 'alice')
    assert.equal(
      JSON.parse(decodeBase64url(jar.cookies.get(ACCESS)!.split('.')[0]!)!.toString()).kid,
      'test-2',
    )
  })

  const hostile = [
    ['alg none', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.'],
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['non-JSON header', 'bm90IGpzb24.e30.c2ln'],
    ['garbage', '%%%'],
  ] as const
  for (const [name, value] of hostile) {
    it(`gives no session, and no error, for a hostile access token (${name})`, async () => {
      const s = setup()
      const jar = cookieJar([[ACCESS, value]])
      const { session } = await visit(s.manager, jar)
      assert.equal(session.userId, null)
      assert.equal(s.rejects.length, 1)
    })
  }

  it('gives no session for a tampered access token', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const [h, p, sig] = jar.cookies.get(ACCESS)!.split('.')
    const claims = JSON.parse(decodeBase64url(p!)!.toString()) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')
    const tampered = cookieJar([[ACCESS, `${h}.${forged}.${sig}`]])
    assert.equal((await visit(s.manager, tampered)).session.userId, null)
    assert.deepEqual(s.rejects, ['ERR_SIGNATURE_INVALID'])
  })

  it('refuses session data too large for the access token with a clear error', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    await assert.rejects(
      visit(s.manager, jar, (x) => x.update((d) => void (d.blob = 'x'.repeat(3000)))),
      (err: unknown) =>
        isTesseraError(err, 'ERR_COOKIE_INVALID') && /maxDataBytes/.test(String(err)),
    )
  })

  it('fails closed with ERR_STORE_UNAVAILABLE while the store is down, and recovers', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1))
    const store = instrument(createMemoryStore({ clock }))
    const s = setup({}, { store, clock, keys: testKeys() })
    const jar = await signedIn(s.manager)
    s.clock.advanceMs(1000) // past the revocation cache's answer
    store.failing = true
    await assert.rejects(visit(s.manager, jar), (err: unknown) =>
      isTesseraError(err, 'ERR_STORE_UNAVAILABLE'),
    )
    store.failing = false
    assert.equal((await visit(s.manager, jar)).session.userId, 'alice')
  })

  it('answers ERR_STORE_UNAVAILABLE when the store hangs, after storeTimeoutSeconds', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1))
    const inner = createMemoryStore({ clock })
    let hang = false
    const store: Store = {
      refreshTokens: inner.refreshTokens,
      sessions: {
        ...inner.sessions,
        get: (idHash) => (hang ? new Promise(() => {}) : inner.sessions.get(idHash)),
      },
    }
    const s = setup({ storeTimeoutSeconds: 0.05 }, { store, clock, keys: testKeys() })
    const jar = await signedIn(s.manager)
    clock.advanceMs(1000)
    hang = true
    await assert.rejects(visit(s.manager, jar), (err: unknown) =>
      isTesseraError(err, 'ERR_STORE_UNAVAILABLE'),
    )
  })

  it('needs a store at startup', () => {
    assert.throws(
      () =>
        createSessionManager({
          carrier: 'token',
          keys: testKeys(),
        } as unknown as SessionManagerOptions),
      (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
  })
})
