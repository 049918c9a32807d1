import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256 } from '../../src/crypto/hash.js'
import { isTesseraError, type TesseraErrorCode } from '../../src/errors.js'
import {
  createSessionManager,
  type ManagerRequest,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/session/manager.js'
import type { SessionEvent } from '../../src/session/request-session.js'
import type { Session } from '../../src/session/session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { fakeClock, type FakeClock } from '../../src/testing/fake-clock.js'
import {
  cookiePair,
  instrument,
  recordingSink,
  testKeys,
  valueOf,
  type InstrumentedStore,
  type RecordingSink,
} from '../helpers/session.js'

interface Data {
  count?: number
  a?: number
  b?: number
  username?: string
  returnTo?: string
}

interface Setup {
  manager: SessionManager<Data>
  store: InstrumentedStore
  clock: FakeClock
  rejects: TesseraErrorCode[]
  events: SessionEvent[]
}

function setup(options: Partial<SessionManagerOptions> = {}, shared?: InstrumentedStore): Setup {
  const clock = fakeClock()
  // The store keeps the real clock: a store hides records past `expiresAt` (they then read as
  // unknown), so only a manager whose clock runs ahead can show that it checks timeouts itself.
  const store = shared ?? instrument(createMemoryStore())
  const rejects: TesseraErrorCode[] = []
  const events: SessionEvent[] = []
  const manager = createSessionManager<Data>({
    carrier: 'server',
    store,
    keys: testKeys(),
    clock,
    onReject: (code) => rejects.push(code),
    onEvent: (event) => events.push(event),
    ...options,
  } as SessionManagerOptions)
  return { manager, store, clock, rejects, events }
}

function req(cookie?: string, extra: Partial<ManagerRequest> = {}): ManagerRequest {
  return { cookieHeader: cookie, secure: false, method: 'GET', host: 'localhost', ...extra }
}

/** One request: open, run the handler, commit what it left, return the session and the sink. */
async function visit(
  manager: SessionManager<Data>,
  cookie: string | undefined,
  handler: (s: Session<Data>) => void | Promise<void> = () => {},
  extra: Partial<ManagerRequest> = {},
): Promise<{ session: Session<Data>; sink: RecordingSink; cookie: string | undefined }> {
  const sink = recordingSink()
  const session = await manager.open(req(cookie, extra), sink)
  await handler(session)
  if (session.needsCommit()) await session.commit(true)
  return { session, sink, cookie: cookiePair(sink.cookies) ?? cookie }
}

async function loggedIn(s: Setup, userId = 'alice'): Promise<string> {
  const { cookie } = await visit(s.manager, undefined, (session) => session.login(userId))
  assert.ok(cookie)
  return cookie
}

describe('createSessionManager (server carrier)', () => {
  it('is lazy: a visitor who writes nothing gets no cookie and causes no store write', async () => {
    const s = setup()
    const { sink, session } = await visit(s.manager, undefined, (session) => {
      assert.equal(session.data.count, undefined)
    })
    assert.deepEqual(sink.cookies, [])
    assert.equal(s.store.writes(), 0)
    assert.equal(session.isNew, true)
    assert.equal(session.handle, null)
  })

  it('gives the browser 32 random bytes and the store only their SHA-256', async () => {
    const s = setup()
    const { cookie, sink } = await visit(s.manager, undefined, (session) => {
      session.data.count = 1
    })
    assert.ok(cookie)
    const id = valueOf(cookie)
    assert.match(id, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(Buffer.from(id, 'base64url').length, 32)
    const record = await s.store.sessions.get(sha256(id))
    assert.equal(record?.data.count, 1)
    assert.equal(JSON.stringify(record).includes(id), false)
    assert.match(sink.cookies[0]!, /^tessera=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/)
  })

  it('onReject hears the request a refused cookie came on, so an app can slow a guesser (BF-3)', async () => {
    const heard: [string, string | undefined][] = []
    const s = setup({ onReject: (code, request) => heard.push([code, request.ip]) })
    await s.manager.load(req(`tessera=${'A'.repeat(43)}`, { ip: '203.0.113.7' }))
    await s.manager.load(req('tessera=not-an-id', { ip: '198.51.100.2' }))
    assert.deepEqual(heard, [
      ['ERR_SESSION_NOT_FOUND', '203.0.113.7'],
      ['ERR_TOKEN_MALFORMED', '198.51.100.2'],
    ])
  })

  it('a pre-login session id does not survive login', async () => {
    const s = setup()
    const anonymous = (await visit(s.manager, undefined, (x) => void (x.data.returnTo = '/a')))
      .cookie!
    const { cookie, session } = await visit(s.manager, anonymous, (x) => x.login('alice'))
    assert.notEqual(cookie, anonymous)
    assert.equal(session.userId, 'alice')
    assert.equal(session.authenticatedAt, s.clock.now())
    assert.equal(await s.manager.load(req(anonymous)), null)
    assert.deepEqual(s.rejects, ['ERR_SESSION_NOT_FOUND'])
    const after = await visit(s.manager, cookie)
    assert.equal(after.session.data.returnTo, '/a', 'login keeps data unless told otherwise')
    assert.deepEqual(
      s.events.map((e) => e.type),
      ['created', 'rotated', 'rejected'],
    )
  })

  it('login keeps only an allow-list of keys when given one, and rotates the CSRF token', async () => {
    const s = setup()
    let before = ''
    const anonymous = (
      await visit(s.manager, undefined, async (x) => {
        x.data.returnTo = '/a'
        x.data.username = 'planted'
        before = await x.csrfToken()
      })
    ).cookie
    let after = ''
    const { cookie } = await visit(s.manager, anonymous, async (x) => {
      await x.login('alice', { keepData: ['returnTo'], data: { count: 0 } })
      after = await x.csrfToken()
      assert.equal(x.verifyCsrfToken(before), false)
      assert.equal(x.verifyCsrfToken(after), true)
    })
    assert.notEqual(before, after)
    const { session } = await visit(s.manager, cookie)
    assert.deepEqual({ ...session.data }, { returnTo: '/a', count: 0 })
  })

  it('security: a visitor’s CSRF token stores nothing and is bound to its pre-session cookie', async () => {
    const s = setup()
    const writes = s.store.writes()
    let token = ''
    const first = await visit(s.manager, undefined, async (x) => {
      token = await x.csrfToken()
      assert.equal(await x.csrfToken(), token, 'the same token within a request')
      assert.equal(x.isNew, true)
    })
    assert.equal(s.store.writes(), writes, 'no store write')
    assert.equal(first.sink.cookies.length, 1)
    const pre = first.sink.cookies[0]!.split(';')[0]!
    assert.match(
      first.sink.cookies[0]!,
      /^tessera-csrf=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    const other = cookiePair(
      (await visit(s.manager, undefined, async (x) => void (await x.csrfToken()))).sink.cookies,
    )
    const post = { method: 'POST' }
    const check = async (cookie: string | undefined, t: unknown) =>
      (await visit(s.manager, cookie, () => {}, post)).session.verifyCsrfToken(t)
    assert.equal(await check(pre, token), true)
    assert.equal(await check(other, token), false, 'another visitor’s cookie')
    assert.equal(await check(undefined, token), false, 'no cookie')
    assert.equal(await check(pre, token.slice(1) + 'A'), false)
    // A later GET with the cookie gives the same token and sets nothing.
    const again = await visit(s.manager, pre, async (x) => assert.equal(await x.csrfToken(), token))
    assert.deepEqual(again.sink.cookies, [])
    // Signed in, only the session's own token counts, and the pre-session cookie is cleared.
    const login = await visit(s.manager, pre, async (x) => {
      await x.login('alice')
      assert.equal(x.verifyCsrfToken(token), false)
    })
    assert.ok(login.sink.cookies.some((c) => /^tessera-csrf=; .*Max-Age=0/.test(c)))
    assert.equal(s.store.writes(), writes + 1, 'only the login wrote')
  })

  it('security: warns once, naming trust proxy, about plain HTTP for a host that is not loopback', async () => {
    const s = setup()
    await visit(s.manager, undefined, () => {}, { host: 'localhost:3000' })
    await visit(s.manager, undefined, () => {}, { host: 'app.example.com', secure: true })
    assert.equal(s.events.length, 0)
    for (let i = 0; i < 3; i++)
      await visit(s.manager, undefined, () => {}, { host: 'app.example.com' })
    const warnings = s.events.filter((e) => e.type === 'plain-http')
    assert.equal(warnings.length, 1)
    assert.match((warnings[0] as { message: string }).message, /trust proxy/)
    const fixed = setup({ secure: false })
    await visit(fixed.manager, undefined, () => {}, { host: 'app.example.com' })
    assert.equal(fixed.events.length, 0, 'secure: false was chosen on purpose')
  })

  it('refuses malformed, unknown and duplicate cookies with a reason, never a throw', async () => {
    const s = setup()
    const good = await loggedIn(s)
    const cases: [string, TesseraErrorCode][] = [
      ['tessera=short', 'ERR_TOKEN_MALFORMED'],
      [`tessera=${'A'.repeat(43)}`, 'ERR_SESSION_NOT_FOUND'],
      [`${good}; tessera=${'B'.repeat(43)}`, 'ERR_TOKEN_MALFORMED'],
      ['tessera=__proto__', 'ERR_TOKEN_MALFORMED'],
    ]
    for (const [header, code] of cases) {
      s.rejects.length = 0
      const { session, sink } = await visit(s.manager, header)
      assert.equal(session.userId, null, header)
      assert.deepEqual(s.rejects, [code], header)
      assert.match(sink.cookies[0] ?? '', /^tessera=; .*Max-Age=0/, 'clears the refused cookie')
    }
  })

  it('ends a session after the idle timeout, server-side', async () => {
    const s = setup({ idleTimeoutSeconds: 600, touchIntervalSeconds: 60 })
    const cookie = await loggedIn(s)
    s.clock.advanceSeconds(599)
    assert.equal((await visit(s.manager, cookie)).session.userId, 'alice')
    s.clock.advanceSeconds(601)
    const { session, sink } = await visit(s.manager, cookie)
    assert.equal(session.userId, null)
    assert.deepEqual(s.rejects, ['ERR_SESSION_EXPIRED'])
    assert.ok(s.events.some((e) => e.type === 'expired'))
    assert.match(sink.cookies[0]!, /Max-Age=0/)
  })

  it('ends a session at the absolute timeout even while it is in use', async () => {
    const s = setup({ idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 3600 })
    const cookie = await loggedIn(s)
    for (let i = 0; i < 11; i++) {
      s.clock.advanceSeconds(300)
      assert.equal((await visit(s.manager, cookie)).session.userId, 'alice', `visit ${i}`)
    }
    s.clock.advanceSeconds(300) // 3600 s after login
    assert.equal((await visit(s.manager, cookie)).session.userId, null)
    assert.deepEqual(s.rejects, ['ERR_SESSION_EXPIRED'])
  })

  it('touches an unchanged session at most once per touch interval', async () => {
    const s = setup({ touchIntervalSeconds: 60 })
    const cookie = await loggedIn(s)
    for (let i = 0; i < 5; i++) {
      s.clock.advanceSeconds(10)
      await visit(s.manager, cookie)
    }
    assert.equal(s.store.counts.touch, 0, 'nothing written for 50 s of unchanged requests')
    s.clock.advanceSeconds(10)
    await visit(s.manager, cookie)
    await visit(s.manager, cookie)
    assert.equal(s.store.counts.touch, 1)
    assert.equal(s.store.counts.replace, 0)
    const record = await s.store.sessions.get(sha256(valueOf(cookie)))
    assert.equal(record?.lastSeenAt, s.clock.now())
  })

  it('does not rewrite an unchanged session, even when data was read', async () => {
    const s = setup()
    const cookie = await visit(s.manager, undefined, (x) => void (x.data.count = 1)).then(
      (r) => r.cookie,
    )
    const writes = s.store.writes()
    await visit(s.manager, cookie, (x) => {
      x.data.count = Number(x.data.count)
    })
    assert.equal(s.store.writes(), writes)
  })

  it('merges plain assignments per key: two concurrent requests writing different keys both survive', async () => {
    const s = setup()
    const cookie = await loggedIn(s)
    const sinkA = recordingSink()
    const sinkB = recordingSink()
    const a = await s.manager.open(req(cookie), sinkA)
    const b = await s.manager.open(req(cookie), sinkB)
    a.data.a = 1
    b.data.b = 2
    assert.ok(a.needsCommit() && b.needsCommit())
    await Promise.all([a.commit(true), b.commit(true)])
    const { session } = await visit(s.manager, cookie)
    assert.deepEqual({ a: session.data.a, b: session.data.b }, { a: 1, b: 2 })
  })

  it('update(fn) loses no increments across two managers sharing one store (two processes)', async () => {
    const one = setup()
    const two = setup({}, one.store)
    const cookie = await loggedIn(one)
    const bump = (m: SessionManager<Data>) =>
      visit(m, cookie, (x) => x.update((d) => void (d.count = (d.count ?? 0) + 1)))
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? one.manager : two.manager)))
    assert.equal((await visit(one.manager, cookie)).session.data.count, 40)
    assert.ok(one.store.lostVersionChecks() > 0, 'the version check made some writers retry')
  })

  describe('concurrent update()s of one session in one process', () => {
    /** `n` requests of one session, each opened before any writes (as concurrent requests are). */
    async function concurrent(s: Setup, cookie: string, n: number): Promise<Session<Data>[]> {
      const sessions: Session<Data>[] = []
      for (let i = 0; i < n; i++) sessions.push(await s.manager.open(req(cookie), recordingSink()))
      return sessions
    }
    const bump = (d: Data) => void (d.count = (d.count ?? 0) + 1)

    it('go to the store together: the writes waiting behind the one in flight are one compare-and-set, and each request sees its own increment', async () => {
      const s = setup() // the instrumented store answers with promises: the chained path
      const cookie = await loggedIn(s)
      const sessions = await concurrent(s, cookie, 10)
      const replaces = s.store.counts.replace
      await Promise.all(sessions.map((x) => x.update(bump)))
      assert.equal(s.store.counts.replace - replaces, 2, 'the first write, then the nine waiting')
      assert.deepEqual(
        sessions.map((x) => x.data.count),
        Array.from({ length: 10 }, (_, i) => i + 1),
      )
      assert.equal((await visit(s.manager, cookie)).session.data.count, 10)
    })

    it('a renewed cookie goes only to requests that came the same way (HTTPS or not, same host)', async () => {
      const s = setup()
      const { cookie } = await visit(s.manager, undefined, (x) =>
        x.login('alice', { maxAgeSeconds: 86_400 }),
      )
      const id = valueOf(cookie!)
      const open = (secure: boolean) =>
        s.manager.open(
          req(secure ? `__Host-tessera=${id}` : `tessera=${id}`, { secure }),
          recordingSink(),
        )
      const sinks = [recordingSink(), recordingSink(), recordingSink()]
      const sessions = await Promise.all(
        [false, false, true].map((secure, i) =>
          s.manager.open(
            req(secure ? `__Host-tessera=${id}` : `tessera=${id}`, { secure }),
            sinks[i]!,
          ),
        ),
      )
      assert.ok((await open(true)).userId === 'alice', 'the HTTPS cookie names the session')
      await Promise.all(sessions.map((x) => x.update(bump)))
      assert.match(sinks[1]!.cookies.at(-1)!, /^tessera=.*Max-Age=/)
      assert.doesNotMatch(sinks[1]!.cookies.at(-1)!, /Secure/)
      assert.match(sinks[2]!.cookies.at(-1)!, /^__Host-tessera=.*Max-Age=.*Secure/)
      assert.equal((await visit(s.manager, cookie)).session.data.count, 3)
    })

    it('a change that throws fails its own request only', async () => {
      const s = setup()
      const cookie = await loggedIn(s)
      const sessions = await concurrent(s, cookie, 4)
      const outcomes = await Promise.allSettled(
        sessions.map((x, i) =>
          x.update((d) => {
            if (i === 2) throw new Error('handler bug')
            bump(d)
          }),
        ),
      )
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
      )
      assert.equal((await visit(s.manager, cookie)).session.data.count, 3)
    })

    it('writes that went together and lost the version check to another process re-read and all apply', async () => {
      const s = setup()
      const cookie = await loggedIn(s)
      const sessions = await concurrent(s, cookie, 5)
      const first = sessions[0]!.update(bump)
      s.store.forceConflicts = 1 // the write of the four waiting loses once
      await Promise.all([first, ...sessions.slice(1).map((x) => x.update(bump))])
      assert.equal(s.store.lostVersionChecks(), 1)
      assert.equal((await visit(s.manager, cookie)).session.data.count, 5)
    })

    it('a session deleted while writes wait: they fail with ERR_SESSION_NOT_FOUND and forget it', async () => {
      const s = setup()
      const cookie = await loggedIn(s)
      const [a, b] = await concurrent(s, cookie, 2)
      const first = a!.update(bump)
      const waiting = b!.update(bump)
      await s.store.sessions.delete(sha256(valueOf(cookie)))
      await first
      await assert.rejects(waiting, (err) => isTesseraError(err, 'ERR_SESSION_NOT_FOUND'))
      assert.equal(b!.userId, null)
    })
  })

  it('update(fn) gives up with ERR_SESSION_CONFLICT after a bounded number of attempts', async () => {
    const s = setup({ maxUpdateAttempts: 3 })
    const cookie = await loggedIn(s)
    s.store.forceConflicts = 100
    const replaces = s.store.counts.replace
    await assert.rejects(
      visit(s.manager, cookie, (x) => x.update((d) => void (d.count = 1))),
      (err) => isTesseraError(err, 'ERR_SESSION_CONFLICT'),
    )
    assert.equal(s.store.counts.replace - replaces, 3)
  })

  it('a replayed cookie after logout gets no session', async () => {
    const s = setup()
    const cookie = await loggedIn(s)
    const { sink } = await visit(s.manager, cookie, (x) => x.logout())
    assert.match(sink.cookies[0]!, /^tessera=; Path=\/; Max-Age=0/)
    assert.equal(sink.loggedOutCalls, 1)
    assert.equal(await s.manager.load(req(cookie)), null)
    assert.equal(s.store.counts.delete, 1)
  })

  it('lists a user’s sessions with handles that are neither the id nor its hash', async () => {
    const s = setup()
    const first = await loggedIn(s)
    const second = await loggedIn(s)
    await loggedIn(s, 'mallory')
    const { session } = await visit(s.manager, second)
    const list = await session.list()
    assert.equal(list.length, 2)
    assert.deepEqual(list.map((i) => i.current).sort(), [false, true])
    for (const info of list) {
      assert.match(info.handle, /^[A-Za-z0-9_-]{22}$/)
      for (const c of [first, second]) {
        assert.equal(c.includes(info.handle), false)
        assert.equal(sha256(valueOf(c)).includes(info.handle), false)
      }
    }
    assert.equal(session.handle, list.find((i) => i.current)?.handle)
  })

  it('revoke(handle) ends one of the user’s own sessions and never another user’s', async () => {
    const s = setup()
    const phone = await loggedIn(s)
    const laptop = await loggedIn(s)
    const mallory = await loggedIn(s, 'mallory')
    const phoneHandle = (await visit(s.manager, phone)).session.handle!
    const { session: attacker } = await visit(s.manager, mallory)
    assert.equal(await attacker.revoke(phoneHandle), false)
    assert.ok(await s.manager.load(req(phone)))
    const { session } = await visit(s.manager, laptop)
    assert.equal(await session.revoke(phoneHandle), true)
    assert.equal(await s.manager.load(req(phone)), null)
    assert.ok(await s.manager.load(req(laptop)))
  })

  it('logoutEverywhere ends the user’s other sessions, or all of them', async () => {
    const s = setup()
    const a = await loggedIn(s)
    const b = await loggedIn(s)
    const c = await loggedIn(s)
    const other = await loggedIn(s, 'bob')
    const { session } = await visit(s.manager, a)
    assert.equal(await session.logoutEverywhere({ exceptCurrent: true }), 2)
    assert.equal(await s.manager.load(req(b)), null)
    assert.equal(await s.manager.load(req(c)), null)
    assert.ok(await s.manager.load(req(a)))
    const { session: again, sink } = await visit(s.manager, a)
    assert.equal(await again.logoutEverywhere(), 1)
    assert.equal(again.userId, null)
    assert.match(sink.cookies[0]!, /Max-Age=0/)
    assert.ok(await s.manager.load(req(other)))
  })

  it('refuses a cross-site POST that carries a session, and lets no cross-site request start one', async () => {
    const s = setup()
    const cookie = await loggedIn(s)
    const crossSite = { method: 'POST', origin: 'https://evil.example' }
    await assert.rejects(s.manager.open(req(cookie, crossSite), recordingSink()), (err) =>
      isTesseraError(err, 'ERR_CSRF_REJECTED'),
    )
    assert.deepEqual(s.rejects, ['ERR_CSRF_REJECTED'])
    const anonymous = await s.manager.open(req(undefined, crossSite), recordingSink())
    await assert.rejects(anonymous.login('victim'), (err) =>
      isTesseraError(err, 'ERR_CSRF_REJECTED'),
    )
    const sameOrigin = { method: 'POST', origin: 'http://localhost' }
    assert.equal((await visit(s.manager, cookie, undefined, sameOrigin)).session.userId, 'alice')
  })

  it('reports a store failure as ERR_STORE_UNAVAILABLE with the driver error as cause', async () => {
    const s = setup()
    const cookie = await loggedIn(s)
    s.store.failing = true
    await assert.rejects(s.manager.open(req(cookie), recordingSink()), (err) => {
      assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
      assert.match(String((err as Error).cause), /ECONNREFUSED/)
      assert.equal((err as Error).message.includes(valueOf(cookie)), false)
      return true
    })
    s.store.failing = false
    assert.equal((await visit(s.manager, cookie)).session.userId, 'alice')
  })

  it('fails a store call that never answers after storeTimeoutSeconds (SO-1)', async () => {
    const s = setup({ storeTimeoutSeconds: 0.05 })
    const cookie = await loggedIn(s)
    s.store.hanging = true
    await assert.rejects(s.manager.open(req(cookie), recordingSink()), (err) => {
      assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
      assert.match(String((err as Error).cause), /no answer within 50 ms/)
      return true
    })
    s.store.hanging = false
    assert.equal((await visit(s.manager, cookie)).session.userId, 'alice')
  })

  const invalid: [string, Partial<SessionManagerOptions>][] = [
    ['a store timeout of 0', { storeTimeoutSeconds: 0 }],
    ['a negative idle timeout', { idleTimeoutSeconds: -1 }],
    [
      'a touch interval not below the idle timeout',
      { idleTimeoutSeconds: 60, touchIntervalSeconds: 60 },
    ],
    [
      'an idle timeout above the absolute one',
      { idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 3600 },
    ],
    ['a cookie name with a space', { cookieName: 'my cookie' }],
    ['a cookie name with the __Host- prefix', { cookieName: '__Host-sid' }],
    ['a cookie lifetime above the absolute timeout', { cookieMaxAgeSeconds: 50_000 }],
    ['an unknown carrier', { carrier: 'jwt' } as unknown as Partial<SessionManagerOptions>],
    ['no store', { store: undefined } as unknown as Partial<SessionManagerOptions>],
    [
      'an unknown store outage policy',
      { storeOutage: 'fail-open' } as unknown as Partial<SessionManagerOptions>,
    ],
  ]
  for (const [name, options] of invalid) {
    it(`refuses ${name} at startup`, () => {
      assert.throws(
        () => setup(options),
        (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
      )
    })
  }

  it('refuses a short key at startup', () => {
    assert.throws(
      () => setup({ keys: [{ id: 'k', key: Buffer.alloc(16) }] }),
      (err) => isTesseraError(err, 'ERR_KEY_INVALID'),
    )
  })
})

describe('server carrier session ids', () => {
  it('accepts exactly the canonical 43-character form of 32 bytes', async () => {
    const s = setup()
    for (let i = 0; i < 50; i++) {
      const { cookie } = await visit(s.manager, undefined, (x) => void (x.data.count = i))
      const id = valueOf(cookie!)
      assert.equal(Buffer.from(id, 'base64url').toString('base64url'), id)
      assert.ok(await s.manager.load(req(cookie)), 'every id the carrier issues loads')
    }
    s.rejects.length = 0
    const nonCanonical = `${'A'.repeat(42)}B` // decodes to the same bytes as 'A'.repeat(43)
    await s.manager.load(req(`tessera=${nonCanonical}`))
    assert.deepEqual(s.rejects, ['ERR_TOKEN_MALFORMED'])
  })
})

describe('a store that answers at once (stores/sync.ts)', () => {
  function direct(store = createMemoryStore()) {
    return createSessionManager<Data>({ carrier: 'server', store, keys: testKeys() })
  }

  it('opens, logs in and updates without waiting: each is done when the call returns', async () => {
    const manager = direct()
    const sink = recordingSink()
    const opened = manager.openNow(req(), sink)
    assert.ok(!(opened instanceof Promise), 'no credentials, nothing to wait for')
    const login = opened.login('alice', { data: { count: 1 } })
    assert.equal(opened.userId, 'alice', 'signed in before the promise is awaited')
    await login
    const cookie = cookiePair(sink.cookies)!
    const again = manager.openNow(req(cookie), recordingSink())
    assert.ok(!(again instanceof Promise), 'the memory store answered the load at once')
    const update = again.update((d) => {
      d.count = (d.count ?? 0) + 1
    })
    assert.equal(again.data.count, 2, 'written before the promise is awaited')
    await update
    const { session } = await visit(manager, cookie)
    assert.equal(session.data.count, 2)
  })

  it('awaits a store whose method was replaced by a wrapper, which loses the mark', async () => {
    const store = createMemoryStore()
    const get = store.sessions.get
    let calls = 0
    const wrapped = {
      ...store,
      sessions: { ...store.sessions, get: (idHash: string) => (calls++, get(idHash)) },
    }
    const manager = direct(wrapped)
    const sink = recordingSink()
    await (await manager.open(req(), sink)).login('alice')
    const opened = manager.openNow(req(cookiePair(sink.cookies)!), recordingSink())
    assert.ok(opened instanceof Promise, 'the wrapped get is awaited')
    assert.equal((await opened).userId, 'alice')
    assert.equal(calls, 1)
  })
})
