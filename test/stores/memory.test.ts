import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { isTesseraError } from '../../src/errors.js'
import { createMemoryStore, kthSmallest } from '../../src/stores/memory.js'
import { fakeClock, testStore } from '../../src/testing/store-conformance.js'
import { refreshTokenRecord, sessionRecord } from '../../src/testing/fixtures.js'
import { repoFile } from '../helpers/paths.js'

testStore('memory', () => createMemoryStore())

const HOUR = 3_600_000

describe('createMemoryStore', () => {
  it('evicts the record closest to expiry when full', async () => {
    const store = createMemoryStore({ maxEntries: 3 })
    const now = Date.now()
    const records = [3, 1, 2].map((hours) => sessionRecord({ expiresAt: now + hours * 3_600_000 }))
    for (const r of records) await store.sessions.create(r)
    const newcomer = sessionRecord({ expiresAt: now + 3_600_000 })
    await store.sessions.create(newcomer)
    assert.equal(await store.sessions.get(records[1]!.idHash), null)
    for (const r of [records[0]!, records[2]!, newcomer]) {
      assert.deepEqual(await store.sessions.get(r.idHash), r)
    }
    assert.equal((await store.sessions.listByUser('user-1')).length, 3)
    await store.close?.()
  })

  it('when full, evicts exactly the batch closest to expiry, whatever the order they came in', async () => {
    const store = createMemoryStore({ maxEntries: 1280 }) // a batch of 1280 / 128 = 10
    const now = Date.now()
    // Expiries 1..1280 minutes away, inserted in a scrambled order (a permutation of the indices).
    const records = Array.from({ length: 1280 }, (_, i) =>
      sessionRecord({ expiresAt: now + HOUR + ((i * 797) % 1280) * 60_000 }),
    )
    for (const r of records) await store.sessions.create(r)
    await store.sessions.create(sessionRecord({ expiresAt: now + 2 * HOUR }))
    const gone: number[] = []
    for (const r of records) {
      if ((await store.sessions.get(r.idHash)) === null)
        gone.push((r.expiresAt - now - HOUR) / 60_000)
    }
    assert.deepEqual(
      gone.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    )
    await store.close?.()
  })

  it('kthSmallest finds what a sort would, on random, ordered, reversed and repeated values', () => {
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const inputs = [
      Array.from({ length: 500 }, random),
      Array.from({ length: 500 }, (_, i) => i),
      Array.from({ length: 500 }, (_, i) => 500 - i),
      Array.from({ length: 500 }, () => 3),
      Array.from({ length: 500 }, () => Math.floor(random() * 4)),
      [42],
    ]
    for (const input of inputs) {
      const sorted = [...input].sort((a, b) => a - b)
      for (const k of [1, 2, Math.ceil(input.length / 128), input.length >> 1, input.length]) {
        if (k < 1 || k > input.length) continue
        assert.equal(kthSmallest(Float64Array.from(input), k), sorted[k - 1], `k ${k}`)
      }
    }
  })

  it('drops expired records before evicting a live one', async () => {
    const clock = fakeClock(Date.now())
    const store = createMemoryStore({ maxEntries: 2, clock })
    const short = sessionRecord({ expiresAt: clock.now() + 1000 })
    const long = sessionRecord({ expiresAt: clock.now() + 7_200_000 })
    await store.sessions.create(short)
    await store.sessions.create(long)
    clock.advanceSeconds(2)
    const newcomer = sessionRecord({ expiresAt: clock.now() + 3_600_000 })
    await store.sessions.create(newcomer)
    assert.deepEqual(await store.sessions.get(long.idHash), long)
    assert.deepEqual(await store.sessions.get(newcomer.idHash), newcomer)
    await store.close?.()
  })

  it('never holds more than maxEntries sessions or refresh tokens', async () => {
    const store = createMemoryStore({ maxEntries: 300 })
    for (let i = 0; i < 1000; i++) await store.sessions.create(sessionRecord({ userId: 'many' }))
    const listed = await store.sessions.listByUser('many')
    assert.ok(listed.length <= 300 && listed.length > 290, `holds ${listed.length}`)
    for (let i = 0; i < 1000; i++) await store.refreshTokens.insert(refreshTokenRecord())
    const held = await store.refreshTokens.revokeFamily('family-1', Date.now())
    assert.ok(held <= 300 && held > 290, `holds ${held} tokens`)
    await store.close?.()
  })

  it('security: a flood of visitors’ records never evicts a signed-in session', async () => {
    const store = createMemoryStore({ maxEntries: 256 })
    const now = Date.now()
    // The signed-in session expires first: by expiry alone it would be the first to go.
    const user = sessionRecord({ userId: 'alice', expiresAt: now + 60_000 })
    await store.sessions.create(user)
    let refused = 0
    for (let i = 0; i < 2_000; i++) {
      const visitor = sessionRecord({ userId: null, authenticatedAt: null, expiresAt: now + HOUR })
      await store.sessions.create(visitor)
    }
    assert.deepEqual(await store.sessions.get(user.idHash), user)
    // Only signed-in records left: a visitor's record is refused, never makes room.
    const full = createMemoryStore({ maxEntries: 4 })
    const users = [1, 2, 3, 4].map((i) => sessionRecord({ userId: `u${i}` }))
    for (const u of users) await full.sessions.create(u)
    await full.sessions
      .create(sessionRecord({ userId: null, authenticatedAt: null }))
      .catch((err: unknown) => {
        assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
        refused++
      })
    assert.equal(refused, 1)
    for (const u of users) assert.deepEqual(await full.sessions.get(u.idHash), u)
    // A signed-in newcomer evicts a visitor first, however far its expiry.
    const mixed = createMemoryStore({ maxEntries: 2 })
    const visitor = sessionRecord({ userId: null, authenticatedAt: null, expiresAt: now + HOUR })
    const early = sessionRecord({ userId: 'bob', expiresAt: now + 60_000 })
    await mixed.sessions.create(visitor)
    await mixed.sessions.create(early)
    await mixed.sessions.create(sessionRecord({ userId: 'carol' }))
    assert.equal(await mixed.sessions.get(visitor.idHash), null)
    assert.deepEqual(await mixed.sessions.get(early.idHash), early)
    for (const s of [store, full, mixed]) await s.close?.()
  })

  it('decides expiry by its injected clock', async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1))
    const store = createMemoryStore({ clock })
    const record = sessionRecord({ expiresAt: clock.now() + 60_000 })
    await store.sessions.create(record)
    assert.deepEqual(await store.sessions.get(record.idHash), record)
    clock.advanceSeconds(60)
    assert.equal(await store.sessions.get(record.idHash), null)
    await store.close?.()
  })

  const invalid = [
    ['maxEntries 0', { maxEntries: 0 }],
    ['maxEntries 1.5', { maxEntries: 1.5 }],
    ['sweepIntervalSeconds -1', { sweepIntervalSeconds: -1 }],
  ] as const
  for (const [name, options] of invalid) {
    it(`refuses ${name} with ERR_CONFIG_INVALID`, () => {
      assert.throws(
        () => createMemoryStore(options),
        (err) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
      )
    })
  }

  it('keeps no timer that holds the process open', () => {
    const script = `import { createMemoryStore } from ${JSON.stringify(repoFile('dist/src/stores/memory.js'))}
      const store = createMemoryStore({ sweepIntervalSeconds: 1 })
      await store.sessions.create({ idHash: 'a', userId: 'u', data: {}, version: 1, createdAt: 0,
        authenticatedAt: null, lastSeenAt: 0, expiresAt: Date.now() + 60000, meta: {} })`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    })
    assert.equal(child.signal, null, 'the child had to be killed: something kept it alive')
    assert.equal(child.status, 0, child.stderr.toString())
  })
})
