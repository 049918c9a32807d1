// The session half of the conformance suite: one `it` per guarantee of SessionStore.
import assert from 'node:assert/strict'
import type { SessionRecord, Store } from '../stores/store.js'
import { fakeIdHash, sessionRecord, sortedIds } from './fixtures.js'

/** Runs `fn` with a fresh store and releases it afterwards, whatever happens. */
export type WithStore = (fn: (store: Store) => Promise<void>) => () => Promise<void>

/** Registers one case (node:test's `it`, minus what the suite decides itself). */
export type RegisterCase = (title: string, fn: () => Promise<void>) => void

/** Everything a record holds, Unicode of every width and nested JSON included. */
const RICH: Partial<SessionRecord> = {
  userId: 'ユーザー-😀-𝒳',
  data: {
    text: 'naïve café – 日本語 – emoji 😀👩‍👩‍👧 – astral 𝌆𝒳 – quote " backslash \\ nul \u0000',
    nested: { list: [1, 2.5, -3, true, false, null, 'x', { deep: { deeper: ['😀'] } }], empty: {} },
    zero: 0,
    big: Number.MAX_SAFE_INTEGER,
    '🔑 key': 'value',
  },
  version: 7,
  createdAt: 1_700_000_000_123,
  authenticatedAt: 1_700_000_001_456,
  lastSeenAt: 1_700_000_002_789,
  expiresAt: Date.now() + 86_400_000,
  meta: { ip: '2001:db8::1', userAgent: 'Agent/1.0 (Ωmega; 😀)' },
}

/** Registers the SessionStore cases; `expiresNatively` relaxes only what deleteExpired must count. */
export function sessionCases(
  it: RegisterCase,
  withStore: WithStore,
  expiresNatively: boolean,
): void {
  it(
    'get returns null for an unknown id',
    withStore(async (store) => {
      assert.equal(await store.sessions.get(fakeIdHash()), null)
    }),
  )

  it(
    'round-trips every field, Unicode, emoji, astral characters and nested JSON included',
    withStore(async (store) => {
      const rich = sessionRecord(RICH)
      const anonymous = sessionRecord({ userId: null, authenticatedAt: null, meta: {}, data: {} })
      await store.sessions.create(rich)
      await store.sessions.create(anonymous)
      assert.deepEqual(await store.sessions.get(rich.idHash), rich)
      assert.deepEqual(await store.sessions.get(anonymous.idHash), anonymous)
      assert.deepEqual(sortedIds(await store.sessions.listByUser(rich.userId!)), [rich.idHash])
    }),
  )

  it(
    'round-trips the lifetime chosen at login (maxAgeSeconds: a number, null, or absent) through create, replace and touch',
    withStore(async (store) => {
      // Absent (records written before the field existed), null (a browser-session cookie) and a
      // number ("remember me") are three different choices: a store must not turn one into another.
      const remembered = sessionRecord({ maxAgeSeconds: 2_592_000 })
      const browserSession = sessionRecord({ maxAgeSeconds: null })
      const unchosen = sessionRecord()
      for (const record of [remembered, browserSession, unchosen]) {
        await store.sessions.create(record)
        assert.deepEqual(await store.sessions.get(record.idHash), record)
      }
      assert.equal('maxAgeSeconds' in ((await store.sessions.get(unchosen.idHash)) ?? {}), false)
      const listed = await store.sessions.listByUser(remembered.userId!)
      for (const record of [remembered, browserSession, unchosen]) {
        assert.deepEqual(
          listed.find((r) => r.idHash === record.idHash),
          record,
        )
      }
      // replace keeps whatever the new record says, and touch keeps what is stored.
      const replaced = [
        { ...remembered, version: 2, maxAgeSeconds: 86_400 },
        { ...browserSession, version: 2 },
        { ...unchosen, version: 2 },
      ]
      for (const record of replaced) {
        assert.equal(await store.sessions.replace(record, 1), true)
        await store.sessions.touch(record.idHash, record.lastSeenAt + 1, record.expiresAt + 1)
        assert.deepEqual(await store.sessions.get(record.idHash), {
          ...record,
          lastSeenAt: record.lastSeenAt + 1,
          expiresAt: record.expiresAt + 1,
        })
      }
    }),
  )

  it(
    'keeps its own copy: mutating the record given to create or returned by get changes nothing stored',
    withStore(async (store) => {
      const original = sessionRecord({ data: { nested: { n: 1 }, list: [1] } })
      const given = structuredClone(original) as unknown as {
        data: { nested: { n: number }; list: number[] }
        meta: { ip?: string }
      }
      await store.sessions.create(given as unknown as SessionRecord)
      given.data.nested.n = 2
      given.data.list.push(2)
      given.meta.ip = 'changed'
      const got = (await store.sessions.get(original.idHash)) as unknown as typeof given
      assert.deepEqual(got, original)
      got.data.nested.n = 3
      got.data.list.push(3)
      got.meta.ip = 'changed again'
      assert.deepEqual(await store.sessions.get(original.idHash), original)
      const listed = (await store.sessions.listByUser('user-1')) as unknown as (typeof given)[]
      listed[0]!.data.nested.n = 4
      assert.deepEqual(await store.sessions.get(original.idHash), original)
    }),
  )

  it(
    'rejects data that is not JSON-serialisable with a rejected promise, storing nothing',
    withStore(async (store) => {
      const record = sessionRecord({ data: { n: 1n } })
      await assert.rejects(store.sessions.create(record))
      assert.equal(await store.sessions.get(record.idHash), null)
      const good = sessionRecord({ version: 1 })
      await store.sessions.create(good)
      await assert.rejects(store.sessions.replace({ ...good, version: 2, data: { n: 1n } }, 1))
      assert.deepEqual(await store.sessions.get(good.idHash), good)
    }),
  )

  it(
    'replace with the expected version writes the new record',
    withStore(async (store) => {
      const first = sessionRecord({ version: 1 })
      await store.sessions.create(first)
      const next = { ...first, version: 2, data: { count: 4 }, lastSeenAt: first.lastSeenAt + 1 }
      assert.equal(await store.sessions.replace(next, 1), true)
      assert.deepEqual(await store.sessions.get(first.idHash), next)
    }),
  )

  it(
    'replace with a stale version returns false and changes nothing',
    withStore(async (store) => {
      const first = sessionRecord({ version: 3 })
      await store.sessions.create(first)
      assert.equal(await store.sessions.replace({ ...first, version: 3, data: { x: 1 } }, 2), false)
      assert.equal(
        await store.sessions.replace({ ...first, version: 5, userId: 'other' }, 4),
        false,
      )
      assert.deepEqual(await store.sessions.get(first.idHash), first)
      assert.deepEqual(await store.sessions.listByUser('other'), [])
    }),
  )

  it(
    'replace on a missing record returns false and creates nothing',
    withStore(async (store) => {
      const ghost = sessionRecord({ version: 2 })
      assert.equal(await store.sessions.replace(ghost, 1), false)
      assert.equal(await store.sessions.get(ghost.idHash), null)
      assert.deepEqual(await store.sessions.listByUser(ghost.userId!), [])
    }),
  )

  it(
    'replace on an expired record returns false and does not revive it',
    withStore(async (store) => {
      const dead = sessionRecord({ version: 1, expiresAt: Date.now() - 1000 })
      await store.sessions.create(dead)
      const revived = { ...dead, version: 2, expiresAt: Date.now() + 3_600_000 }
      assert.equal(await store.sessions.replace(revived, 1), false)
      assert.equal(await store.sessions.get(dead.idHash), null)
    }),
  )

  it(
    'replace moves the per-user index when userId changes',
    withStore(async (store) => {
      const anonymous = sessionRecord({ userId: null, version: 1 })
      await store.sessions.create(anonymous)
      const alice = { ...anonymous, userId: 'alice', version: 2 }
      assert.equal(await store.sessions.replace(alice, 1), true)
      assert.deepEqual(sortedIds(await store.sessions.listByUser('alice')), [anonymous.idHash])
      const bob = { ...alice, userId: 'bob', version: 3 }
      assert.equal(await store.sessions.replace(bob, 2), true)
      assert.deepEqual(await store.sessions.listByUser('alice'), [])
      assert.deepEqual(await store.sessions.listByUser('bob'), [bob])
      assert.equal(await store.sessions.deleteByUser('alice'), 0)
      assert.equal(await store.sessions.replace({ ...bob, userId: null, version: 4 }, 3), true)
      assert.deepEqual(await store.sessions.listByUser('bob'), [])
    }),
  )

  it(
    'touch moves lastSeenAt and expiresAt but not the version or data',
    withStore(async (store) => {
      const record = sessionRecord({ version: 4 })
      await store.sessions.create(record)
      const lastSeenAt = record.lastSeenAt + 60_000
      const expiresAt = record.expiresAt + 60_000
      await store.sessions.touch(record.idHash, lastSeenAt, expiresAt)
      assert.deepEqual(await store.sessions.get(record.idHash), {
        ...record,
        lastSeenAt,
        expiresAt,
      })
      assert.equal(await store.sessions.replace({ ...record, version: 5 }, 4), true)
    }),
  )

  it(
    'touch on a missing or expired record creates or revives nothing',
    withStore(async (store) => {
      const missing = fakeIdHash()
      await store.sessions.touch(missing, Date.now(), Date.now() + 3_600_000)
      assert.equal(await store.sessions.get(missing), null)
      const dead = sessionRecord({ expiresAt: Date.now() - 1000 })
      await store.sessions.create(dead)
      await store.sessions.touch(dead.idHash, Date.now(), Date.now() + 3_600_000)
      assert.equal(await store.sessions.get(dead.idHash), null)
      assert.deepEqual(await store.sessions.listByUser(dead.userId!), [])
    }),
  )

  it(
    'delete is idempotent and removes the index entry',
    withStore(async (store) => {
      const record = sessionRecord()
      await store.sessions.create(record)
      await store.sessions.delete(record.idHash)
      await store.sessions.delete(record.idHash)
      await store.sessions.delete(fakeIdHash())
      assert.equal(await store.sessions.get(record.idHash), null)
      assert.deepEqual(await store.sessions.listByUser(record.userId!), [])
      assert.equal(await store.sessions.replace({ ...record, version: 2 }, 1), false)
    }),
  )

  it(
    'listByUser returns exactly the live sessions of that user',
    withStore(async (store) => {
      const alice = [
        sessionRecord({ userId: 'alice' }),
        sessionRecord({ userId: 'alice' }),
        sessionRecord({ userId: 'alice' }),
      ]
      const bob = [sessionRecord({ userId: 'bob' }), sessionRecord({ userId: 'bob' })]
      const others = [
        sessionRecord({ userId: null }),
        sessionRecord({ userId: 'alice2' }),
        sessionRecord({ userId: 'Alice' }),
      ]
      for (const r of [...alice, ...bob, ...others]) await store.sessions.create(r)
      assert.deepEqual(sortedIds(await store.sessions.listByUser('alice')), sortedIds(alice))
      assert.deepEqual(sortedIds(await store.sessions.listByUser('bob')), sortedIds(bob))
      assert.deepEqual(await store.sessions.listByUser('nobody'), [])
      const listed = await store.sessions.listByUser('bob')
      assert.deepEqual(
        listed.sort((a, b) => a.idHash.localeCompare(b.idHash)),
        [...bob].sort((a, b) => a.idHash.localeCompare(b.idHash)),
      )
    }),
  )

  it(
    'deleteByUser deletes every session of the user except exceptIdHash and returns the count',
    withStore(async (store) => {
      const alice = [
        sessionRecord({ userId: 'alice' }),
        sessionRecord({ userId: 'alice' }),
        sessionRecord({ userId: 'alice' }),
      ]
      const bob = sessionRecord({ userId: 'bob' })
      for (const r of [...alice, bob]) await store.sessions.create(r)
      assert.equal(await store.sessions.deleteByUser('alice', alice[1]!.idHash), 2)
      assert.deepEqual(await store.sessions.listByUser('alice'), [alice[1]])
      assert.equal(await store.sessions.get(alice[0]!.idHash), null)
      assert.equal(await store.sessions.get(alice[2]!.idHash), null)
      assert.deepEqual(await store.sessions.get(bob.idHash), bob)
      assert.equal(await store.sessions.deleteByUser('alice', bob.idHash), 1)
      assert.deepEqual(await store.sessions.get(bob.idHash), bob)
      assert.equal(await store.sessions.deleteByUser('alice'), 0)
      assert.equal(await store.sessions.deleteByUser('bob'), 1)
      assert.equal(await store.sessions.get(bob.idHash), null)
    }),
  )

  it(
    'never returns an expired record from get or listByUser, even before a sweep',
    withStore(async (store) => {
      const now = Date.now()
      const expired = sessionRecord({ userId: 'carol', expiresAt: now - 1000 })
      const atTheEdge = sessionRecord({ userId: 'carol', expiresAt: now })
      const live = sessionRecord({ userId: 'carol', expiresAt: now + 3_600_000 })
      for (const r of [expired, atTheEdge, live]) await store.sessions.create(r)
      assert.equal(await store.sessions.get(expired.idHash), null)
      assert.equal(await store.sessions.get(atTheEdge.idHash), null)
      assert.deepEqual(await store.sessions.listByUser('carol'), [live])
    }),
  )

  it(
    'deleteExpired uses the instant it is given and returns how many it deleted',
    withStore(async (store) => {
      const base = Date.now() + 86_400_000
      const records = [1000, 2000, 3000].map((offset) =>
        sessionRecord({ userId: 'dave', expiresAt: base + offset }),
      )
      for (const r of records) await store.sessions.create(r)
      assert.equal(await store.sessions.deleteExpired(base), 0)
      const deleted = await store.sessions.deleteExpired(base + 2000)
      if (expiresNatively) {
        assert.ok(Number.isInteger(deleted) && deleted >= 0 && deleted <= 2, `deleted ${deleted}`)
      } else {
        assert.equal(deleted, 2)
        assert.equal(await store.sessions.get(records[0]!.idHash), null)
        assert.equal(await store.sessions.get(records[1]!.idHash), null)
      }
      assert.deepEqual(await store.sessions.listByUser('dave'), [records[2]])
    }),
  )

  it(
    'keeps the per-user index exact under many concurrent creates and deletes',
    withStore(async (store) => {
      const doomed = Array.from({ length: 50 }, () => sessionRecord({ userId: 'erin' }))
      await Promise.all(doomed.map((r) => store.sessions.create(r)))
      const survivors = Array.from({ length: 100 }, () => sessionRecord({ userId: 'erin' }))
      const strangers = Array.from({ length: 20 }, () => sessionRecord({ userId: 'frank' }))
      await Promise.all([
        ...survivors.map((r) => store.sessions.create(r)),
        ...doomed.map((r) => store.sessions.delete(r.idHash)),
        ...strangers.map((r) => store.sessions.create(r)),
      ])
      assert.deepEqual(sortedIds(await store.sessions.listByUser('erin')), sortedIds(survivors))
      assert.deepEqual(sortedIds(await store.sessions.listByUser('frank')), sortedIds(strangers))
      assert.equal(await store.sessions.deleteByUser('erin'), 100)
    }),
  )

  it(
    'lets exactly one of 100 concurrent replace calls with the same expected version win',
    withStore(async (store) => {
      const record = sessionRecord({ version: 10, data: { winner: -1 } })
      await store.sessions.create(record)
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          store.sessions.replace({ ...record, version: 11, data: { winner: i } }, 10),
        ),
      )
      const winners = results.flatMap((won, i) => (won ? [i] : []))
      assert.equal(winners.length, 1)
      assert.deepEqual(await store.sessions.get(record.idHash), {
        ...record,
        version: 11,
        data: { winner: winners[0] },
      })
    }),
  )
}
