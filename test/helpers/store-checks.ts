// What a store shared by many processes must also show, beyond the conformance suite: no lost
// update when many writers increment one counter through compare-and-set, and an index that
// never counts a session that expired by the real clock.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { Store } from '../../src/stores/store.js'
import { sessionRecord, sortedIds } from '../../src/testing/fixtures.js'

/** Registers the checks; `makeStore` returns a fresh, isolated store. */
export function checkSharedStore(makeStore: () => Store | Promise<Store>): void {
  it('counts 50 concurrent read-modify-write increments exactly, retrying on conflict', async () => {
    const store = await makeStore()
    const record = sessionRecord({ data: { n: 0 } })
    await store.sessions.create(record)
    const increment = async () => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const current = (await store.sessions.get(record.idHash))!
        const n = (current.data.n as number) + 1
        const next = { ...current, version: current.version + 1, data: { n } }
        if (await store.sessions.replace(next, current.version)) return
      }
      throw new Error('gave up after 200 conflicts')
    }
    await Promise.all(Array.from({ length: 50 }, increment))
    assert.equal((await store.sessions.get(record.idHash))?.data.n, 50)
  })

  it('never lists, and deleteByUser never counts, a session that expired by the real clock', async () => {
    const store = await makeStore()
    const live = sessionRecord({ userId: 'carol' })
    const dying = sessionRecord({ userId: 'carol', expiresAt: Date.now() + 150 })
    await store.sessions.create(live)
    await store.sessions.create(dying)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.deepEqual(sortedIds(await store.sessions.listByUser('carol')), [live.idHash])
    assert.equal(await store.sessions.deleteByUser('carol'), 1)
    assert.deepEqual(await store.sessions.listByUser('carol'), [])
  })
}
