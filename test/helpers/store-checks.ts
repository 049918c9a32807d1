// Behaviour every distributed store must show beyond the shared conformance suite: concurrent
// compare-and-set and refresh-token use across the network, and the per-user index. Each store
// test calls `checkDistributedStore` with a factory for a fresh, isolated store.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { Store } from '../../src/stores/store.js'
import { refreshTokenRecord, sessionRecord } from './store-records.js'

/** Registers the shared checks; `makeStore` returns a fresh store and a function that releases it. */
export function checkDistributedStore(
  makeStore: () => Promise<{ store: Store; release: () => Promise<void> }>,
): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const { store, release } = await makeStore()
    try {
      await fn(store)
    } finally {
      await release()
    }
  }

  it(
    'round-trips a session record with Unicode data',
    withStore(async (store) => {
      const record = sessionRecord('zoë', { data: { nested: { a: [1, 'two', null] }, e: {} } })
      await store.sessions.create(record)
      assert.deepEqual(await store.sessions.get(record.idHash), record)
    }),
  )

  it(
    'lets exactly one of twenty concurrent replaces at one version win',
    withStore(async (store) => {
      const record = sessionRecord('u1')
      await store.sessions.create(record)
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.sessions.replace({ ...record, version: 2, data: { i } }, 1),
        ),
      )
      assert.equal(results.filter(Boolean).length, 1)
      assert.equal((await store.sessions.get(record.idHash))?.version, 2)
    }),
  )

  it(
    'counts 50 concurrent read-modify-write increments exactly, retrying on conflict',
    withStore(async (store) => {
      const record = sessionRecord('u1')
      await store.sessions.create(record)
      const increment = async () => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const current = (await store.sessions.get(record.idHash))!
          const n = (current.data.n as number) + 1
          const next = { ...current, version: current.version + 1, data: { ...current.data, n } }
          if (await store.sessions.replace(next, current.version)) return
        }
        throw new Error('gave up')
      }
      await Promise.all(Array.from({ length: 50 }, increment))
      assert.equal((await store.sessions.get(record.idHash))?.data.n, 50)
    }),
  )

  it(
    'moves the per-user index with the record when replace changes the user',
    withStore(async (store) => {
      const record = sessionRecord(null)
      await store.sessions.create(record)
      assert.equal(
        await store.sessions.replace({ ...record, userId: 'alice', version: 2 }, 1),
        true,
      )
      assert.deepEqual(
        (await store.sessions.listByUser('alice')).map((r) => r.idHash),
        [record.idHash],
      )
      assert.equal(await store.sessions.replace({ ...record, userId: 'bob', version: 3 }, 2), true)
      assert.deepEqual(await store.sessions.listByUser('alice'), [])
      assert.equal((await store.sessions.listByUser('bob')).length, 1)
    }),
  )

  it(
    'never lists, and deleteByUser never counts, a session that expired',
    withStore(async (store) => {
      const live = sessionRecord('carol')
      const dying = sessionRecord('carol', { expiresAt: Date.now() + 150 })
      await store.sessions.create(live)
      await store.sessions.create(dying)
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.deepEqual(
        (await store.sessions.listByUser('carol')).map((r) => r.idHash),
        [live.idHash],
      )
      assert.equal(await store.sessions.deleteByUser('carol'), 1)
      assert.deepEqual(await store.sessions.listByUser('carol'), [])
    }),
  )

  it(
    'deletes every session of a user but the one it is told to keep',
    withStore(async (store) => {
      const records = [sessionRecord('dave'), sessionRecord('dave'), sessionRecord('dave')]
      const other = sessionRecord('erin')
      for (const r of [...records, other]) await store.sessions.create(r)
      assert.equal(await store.sessions.deleteByUser('dave', records[0]!.idHash), 2)
      assert.deepEqual(
        (await store.sessions.listByUser('dave')).map((r) => r.idHash),
        [records[0]!.idHash],
      )
      assert.equal((await store.sessions.listByUser('erin')).length, 1)
    }),
  )

  it(
    'touch moves lastSeenAt and expiresAt but not the version',
    withStore(async (store) => {
      const record = sessionRecord('frank')
      await store.sessions.create(record)
      await store.sessions.touch(record.idHash, record.lastSeenAt + 5, record.expiresAt + 5)
      const after = await store.sessions.get(record.idHash)
      assert.deepEqual(after, {
        ...record,
        lastSeenAt: record.lastSeenAt + 5,
        expiresAt: record.expiresAt + 5,
      })
      assert.equal((await store.sessions.listByUser('frank')).length, 1)
    }),
  )

  it(
    'lets exactly one of ten concurrent uses of a refresh token see it unused',
    withStore(async (store) => {
      const token = refreshTokenRecord('fam-1')
      await store.refreshTokens.insert(token)
      const now = Date.now()
      const seen = await Promise.all(
        Array.from({ length: 10 }, () => store.refreshTokens.use(token.idHash, now)),
      )
      assert.equal(seen.filter((t) => t !== null && t.usedAt === null).length, 1)
      assert.deepEqual(
        seen.find((t) => t?.usedAt === null),
        token,
      )
    }),
  )

  it(
    'revokes every token of a family at once and reports the revocation on use',
    withStore(async (store) => {
      const tokens = [refreshTokenRecord('fam-2'), refreshTokenRecord('fam-2')]
      const stranger = refreshTokenRecord('fam-3')
      for (const t of [...tokens, stranger]) await store.refreshTokens.insert(t)
      const now = Date.now()
      assert.equal(await store.refreshTokens.revokeFamily('fam-2', now), 2)
      assert.equal(await store.refreshTokens.revokeFamily('fam-2', now + 1), 0)
      assert.equal((await store.refreshTokens.use(tokens[1]!.idHash, now))?.revokedAt, now)
      assert.equal((await store.refreshTokens.use(stranger.idHash, now))?.revokedAt, null)
    }),
  )
}
