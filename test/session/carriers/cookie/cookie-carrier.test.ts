import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { encodeBase64url } from '../../../../src/crypto/base64url.js'
import { isTesseraError, type TesseraErrorCode } from '../../../../src/errors.js'
import {
  createSessionManager,
  type SessionManager,
  type SessionManagerOptions,
} from '../../../../src/session/manager.js'
import { createMemoryStore } from '../../../../src/stores/memory.js'
import { fakeClock, type FakeClock } from '../../../../src/testing/fake-clock.js'
import { signedIn, visit, type TestData } from '../../../helpers/carrier-visit.js'
import { cookieJar } from '../../../helpers/cookie-jar.js'
import { instrument, testKeys, type InstrumentedStore } from '../../../helpers/session.js'

const NAME = 'tessera'
type Keys = { id: string; key: Buffer }[]

interface Setup {
  manager: SessionManager<TestData>
  clock: FakeClock
  rejects: TesseraErrorCode[]
  keys: Keys
}

function setup(
  options: Record<string, unknown> = {},
  shared: { clock?: FakeClock; keys?: Keys } = {},
): Setup {
  const clock = shared.clock ?? fakeClock(Date.UTC(2026, 0, 1))
  const keys = shared.keys ?? testKeys()
  const rejects: TesseraErrorCode[] = []
  const manager = createSessionManager<TestData>({
    carrier: 'cookie',
    keys,
    clock,
    onReject: (code: TesseraErrorCode) => rejects.push(code),
    ...options,
  } as SessionManagerOptions)
  return { manager, clock, rejects, keys }
}

function withStore(clock = fakeClock(Date.UTC(2026, 0, 1))): InstrumentedStore {
  return instrument(createMemoryStore({ clock }))
}

function flipLast(value: string): string {
  return value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')
}

describe('cookie carrier', () => {
  it('seals the session into one HttpOnly cookie the browser cannot read', async () => {
    const s = setup()
    const jar = cookieJar()
    const { sink } = await visit(s.manager, jar, (x) =>
      x.login('alice', { data: { username: 'alice-in-wonderland' } }),
    )
    assert.equal(sink.cookies.length, 1)
    assert.match(sink.cookies[0]!, /^tessera=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/)
    const raw = Buffer.from(jar.cookies.get(NAME)!.split('.')[1]!, 'base64url').toString('latin1')
    assert.ok(!raw.includes('alice'))
    const again = await visit(s.manager, jar)
    assert.equal(again.session.userId, 'alice')
    assert.equal(again.session.data.username, 'alice-in-wonderland')
  })

  it('keeps nothing on the server without a store', async () => {
    const store = withStore()
    // The store is handed to nobody: the manager below has none.
    const s = setup()
    const jar = await signedIn(s.manager)
    await visit(s.manager, jar, (x) => void (x.data.count = 1))
    assert.equal(store.writes(), 0)
    await assert.rejects(
      visit(s.manager, jar, (x) => x.logoutEverywhere()),
      (err: unknown) =>
        isTesseraError(err, 'ERR_CONFIG_INVALID') && /needs a store/.test(String(err)),
    )
  })

  const mangled: [string, (v: string) => string][] = [
    ['tampered', flipLast],
    ['truncated', (v) => v.slice(0, -10)],
    ['not a seal', () => 'hello'],
    ['with an unknown key id', (v) => `${encodeBase64url('other')}${v.slice(v.indexOf('.'))}`],
  ]
  for (const [name, mangle] of mangled) {
    it(`gives no session for a ${name} cookie, and clears it`, async () => {
      const s = setup()
      const jar = await signedIn(s.manager)
      jar.cookies.set(NAME, mangle(jar.cookies.get(NAME)!))
      const { session, sink } = await visit(s.manager, jar)
      assert.equal(session.userId, null)
      assert.deepEqual(s.rejects, ['ERR_SIGNATURE_INVALID'])
      assert.match(sink.cookies[0]!, /Max-Age=0/)
    })
  }

  it('gives no session for a cookie sealed under a foreign key', async () => {
    const s = setup()
    const other = setup({}, { clock: s.clock, keys: [{ id: s.keys[0]!.id, key: randomBytes(32) }] })
    const jar = await signedIn(other.manager)
    assert.equal((await visit(s.manager, jar)).session.userId, null)
    assert.deepEqual(s.rejects, ['ERR_SIGNATURE_INVALID'])
  })

  it('gives no session for a cookie moved to another cookie name', async () => {
    const s = setup()
    const renamed = setup({ cookieName: 'other' }, s)
    const jar = await signedIn(s.manager)
    const moved = cookieJar([['other', jar.cookies.get(NAME)!]])
    assert.equal((await visit(renamed.manager, moved)).session.userId, null)
  })

  it('re-seals a cookie sealed by an older key with the newest, without logging anyone out', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    const newKey = { id: 'test-2', key: randomBytes(32) }
    const rotated = setup({}, { clock: s.clock, keys: [newKey, ...s.keys] })
    const { session, sink } = await visit(rotated.manager, jar)
    assert.equal(session.userId, 'alice')
    assert.equal(sink.cookies.length, 1, 'the cookie was sealed again')
    assert.ok(jar.cookies.get(NAME)!.startsWith(`${encodeBase64url('test-2')}.`))
    const retired = setup({}, { clock: s.clock, keys: [newKey] })
    assert.equal((await visit(retired.manager, jar)).session.userId, 'alice')
  })

  it('refuses a stolen cookie after its idle deadline, which travels inside the seal', async () => {
    const s = setup({ idleTimeoutSeconds: 600, touchIntervalSeconds: 60 })
    const jar = await signedIn(s.manager)
    const stolen = jar.clone()
    for (let i = 0; i < 5; i++) {
      s.clock.advanceSeconds(300)
      assert.equal((await visit(s.manager, jar)).session.userId, 'alice')
    }
    assert.equal((await visit(s.manager, stolen)).session.userId, null)
    assert.deepEqual(s.rejects, ['ERR_SESSION_EXPIRED'])
  })

  it('re-seals an unchanged session at most once per touch interval', async () => {
    const s = setup({ touchIntervalSeconds: 60 })
    const jar = await signedIn(s.manager)
    let resealed = 0
    for (let i = 0; i < 12; i++) {
      s.clock.advanceSeconds(10)
      resealed += (await visit(s.manager, jar)).sink.cookies.length
    }
    assert.equal(resealed, 2)
  })

  it('opens a seal it just wrote as any process with the keys opens it', async () => {
    // The writing process remembers its own seals (no AES-GCM open on the next request): what it
    // remembers must be what opening the seal gives.
    const clock = fakeClock(Date.UTC(2026, 0, 1))
    const writer = setup({}, { clock })
    const other = setup({}, { clock, keys: writer.keys })
    const jar = await signedIn(writer.manager)
    await visit(writer.manager, jar, (x) => x.update((d) => void (d.count = 7)))
    const here = (await visit(writer.manager, jar.clone())).session
    const there = (await visit(other.manager, jar.clone())).session
    for (const s of [here, there]) {
      assert.equal(s.userId, 'alice')
      assert.deepEqual({ ...s.data }, { count: 7 })
    }
    assert.equal(here.authenticatedAt, there.authenticatedAt)
    assert.equal(here.handle, there.handle)
  })

  it('keeps what was written when a handler changes data it kept a reference to afterwards', async () => {
    const s = setup()
    const jar = await signedIn(s.manager)
    let kept: TestData | undefined
    await visit(s.manager, jar, (x) =>
      x.update((d) => {
        d.count = 1
        kept = d
      }),
    )
    ;(kept as TestData).count = 999 // after the write: not part of any session
    assert.equal((await visit(s.manager, jar)).session.data.count, 1)
  })

  describe('chunking', () => {
    const big = 'x'.repeat(4000) // sealed and base64url-encoded: about 5.4 kB, two cookies

    it('splits a large session across numbered cookies of at most 4096 bytes and joins them on read', async () => {
      const s = setup()
      const jar = await signedIn(s.manager)
      const { sink } = await visit(s.manager, jar, (x) => void (x.data.blob = big))
      const names = [...jar.cookies.keys()].sort()
      assert.deepEqual(names, [`${NAME}.0`, `${NAME}.1`])
      for (const c of sink.cookies) {
        const pair = c.split(';')[0]!
        assert.ok(pair.length - 1 <= 4096, `${pair.length - 1} bytes`)
      }
      assert.equal((await visit(s.manager, jar)).session.data.blob, big)
      // Shrinking back to one cookie clears the chunks.
      await visit(s.manager, jar, (x) => void delete x.data.blob)
      assert.deepEqual([...jar.cookies.keys()], [NAME])
      assert.equal((await visit(s.manager, jar)).session.userId, 'alice')
    })

    it('gives no session when a chunk is missing', async () => {
      const s = setup()
      const jar = await signedIn(s.manager)
      await visit(s.manager, jar, (x) => void (x.data.blob = big))
      jar.cookies.delete(`${NAME}.1`)
      assert.equal((await visit(s.manager, jar)).session.userId, null)
      assert.deepEqual(s.rejects, ['ERR_SIGNATURE_INVALID'])
    })

    it('security: refuses duplicate chunk cookies (tossed from a sibling subdomain) instead of taking the first', async () => {
      const s = setup()
      const victim = await signedIn(s.manager, 'alice')
      await visit(s.manager, victim, (x) => void (x.data.blob = big))
      const mallory = await signedIn(s.manager, 'mallory')
      await visit(s.manager, mallory, (x) => void (x.data.blob = big))
      const [own, tossed] = [victim, mallory].map((jar) =>
        [0, 1].map((i) => `${NAME}.${i}=${jar.cookies.get(`${NAME}.${i}`)!}`),
      ) as [string[], string[]]
      // The tossed chunks come first, as a cookie with a longer Path would be sent.
      for (const header of [[...tossed, ...own].join('; '), [...own, ...tossed].join('; ')]) {
        const before = s.rejects.length
        const { session } = await visit(s.manager, victim, () => {}, { cookieHeader: header })
        assert.equal(session.userId, null)
        assert.deepEqual(s.rejects.slice(before), ['ERR_TOKEN_MALFORMED'])
      }
      // The same chunks sent twice with the same values are one cookie, not a conflict.
      const twice = [...own, ...own].join('; ')
      const { session } = await visit(s.manager, mallory, () => {}, { cookieHeader: twice })
      assert.equal(session.userId, 'alice')
    })

    it('refuses state beyond maxChunks with a clear error instead of dropping it', async () => {
      const s = setup({ maxChunks: 2 })
      const jar = await signedIn(s.manager)
      await assert.rejects(
        visit(s.manager, jar, (x) => x.update((d) => void (d.blob = 'y'.repeat(9000)))),
        (err: unknown) =>
          // Known too large before any sealing: refused in update(), naming the key.
          isTesseraError(err, 'ERR_SESSION_DATA_INVALID') &&
          /"blob" .*maxChunks \(2\)/.test(String(err)),
      )
    })

    it('refuses state over one cookie when chunking is off', async () => {
      const s = setup({ maxChunks: 1 })
      const jar = await signedIn(s.manager)
      await assert.rejects(
        visit(s.manager, jar, (x) => x.update((d) => void (d.blob = big))),
        (err: unknown) =>
          isTesseraError(err, 'ERR_SESSION_DATA_INVALID') && /chunking is off/.test(String(err)),
      )
    })
  })

  describe('with a store', () => {
    it('keeps a small record without the data, so list works', async () => {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      const store = withStore(clock)
      const s = setup({ store }, { clock })
      const jar = await signedIn(s.manager)
      await signedIn(s.manager)
      await visit(s.manager, jar, (x) => void (x.data.username = 'secret-name'))
      const [record] = await store.sessions.listByUser('alice')
      assert.deepEqual(record?.data, {})
      const { session } = await visit(s.manager, jar)
      const list = await session.list()
      assert.equal(list.length, 2)
      assert.equal(list.filter((x) => x.current).length, 1)
    })

    it('refuses a revoked cookie within one second in every process after logoutEverywhere', async () => {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      const store = withStore(clock)
      const one = setup({ store }, { clock })
      const two = setup({ store }, { clock, keys: one.keys }) // another process
      const laptop = await signedIn(one.manager)
      const phone = await signedIn(two.manager)
      assert.equal((await visit(two.manager, phone)).session.userId, 'alice') // cached as live
      const stolen = phone.clone()
      await visit(one.manager, laptop, (x) => x.logoutEverywhere())
      assert.equal((await visit(one.manager, stolen.clone())).session.userId, null)
      clock.advanceMs(1000)
      assert.equal((await visit(two.manager, stolen)).session.userId, null)
      assert.ok(two.rejects.includes('ERR_SESSION_NOT_FOUND'))
    })

    it('keeps the store’s record alive for a session that writes on every request', async () => {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      const store = withStore(clock)
      const s = setup({ store, idleTimeoutSeconds: 600, touchIntervalSeconds: 60 }, { clock })
      const jar = await signedIn(s.manager)
      for (let i = 1; i <= 8; i++) {
        clock.advanceSeconds(300)
        const { session } = await visit(s.manager, jar, (x) => void (x.data.count = i))
        assert.equal(session.userId, 'alice', `after ${i * 5} minutes`)
      }
      assert.ok(store.counts.touch <= 8)
    })

    it('checks the store at most once per second per session, however many requests', async () => {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      const store = withStore(clock)
      const s = setup({ store }, { clock })
      const jar = await signedIn(s.manager)
      const before = store.counts.get
      await Promise.all(Array.from({ length: 20 }, () => visit(s.manager, jar.clone())))
      assert.equal(store.counts.get - before, 1)
    })

    it('revoke(handle) ends another device’s cookie session', async () => {
      const clock = fakeClock(Date.UTC(2026, 0, 1))
      const store = withStore(clock)
      const s = setup({ store }, { clock })
      const phone = await signedIn(s.manager)
      const laptop = await signedIn(s.manager)
      const handle = (await visit(s.manager, phone)).session.handle!
      assert.equal(await (await visit(s.manager, laptop)).session.revoke(handle), true)
      clock.advanceMs(1000)
      assert.equal((await visit(s.manager, phone)).session.userId, null)
      assert.equal((await visit(s.manager, laptop)).session.userId, 'alice')
    })
  })

  it('refuses maxChunks out of range at startup', () => {
    assert.throws(
      () => setup({ maxChunks: 0 }),
      (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
    )
  })
})
