// tessera/testing: the conformance suite every store passes, and a fake clock.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Store } from '../stores/store.js'
import { fakeNamespace, sessionRecord, refreshTokenRecord } from './fixtures.js'
import { refreshTokenCases } from './refresh-token-cases.js'
import { sessionCases } from './session-cases.js'
import type { WithStore } from './session-cases.js'

export { fakeClock } from './fake-clock.js'
export type { Clock, FakeClock } from './fake-clock.js'

/**
 * Builds a fresh store for one case. `namespace` is unique per call, matches
 * `/^[a-z][a-z0-9]{13}$/` and is safe as a key prefix, table prefix or schema name: stores made
 * with different namespaces must not see each other's records.
 */
export type MakeStore = (namespace: string) => Store | Promise<Store>

/** Options of `testStore`. */
export interface StoreConformanceOptions {
  /** Skips the whole suite, with this reason (e.g. `'REDIS_URL is not set'`). */
  readonly skip?: string | false
  /**
   * Runs after each case, after `store.close?.()`: drop the namespace's keys, tables or schema.
   * Also runs when the case failed.
   */
  readonly cleanup?: (store: Store, namespace: string) => void | Promise<void>
  /**
   * The store expires records natively (a TTL), so `deleteExpired` may find less to delete than
   * a sweep would. The cases then check only that it deletes nothing live and returns a count.
   */
  readonly expiresNatively?: boolean
  /**
   * Cases to skip, by exact title, each with the reason: for a store that by design lacks a
   * guarantee (say, no compare-and-set). A title that names no case is an error.
   */
  readonly skipCases?: Readonly<Record<string, string>>
}

/**
 * Registers the store conformance suite as node:test cases. Every case builds its own store with
 * `makeStore(namespace)`, closes it with `store.close?.()` and then calls `options.cleanup`; no case
 * depends on another or on their order.
 *
 * @example
 * testStore('sqlite', () => createSqliteStore({ database: new Database(':memory:') }))
 * testStore('redis', (namespace) => createRedisStore({ client, prefix: `${namespace}:` }), {
 *   skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set',
 *   expiresNatively: true,
 *   cleanup: async (_store, namespace) => {
 *     for await (const keys of client.scanIterator({ MATCH: `${namespace}:*` })) {
 *       if (keys.length > 0) await client.del(keys)
 *     }
 *   },
 * })
 */
export function testStore(
  name: string,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const withStores = (count: number, fn: (stores: Store[]) => Promise<void>) => async () => {
    const made: [Store, string][] = []
    try {
      for (let i = 0; i < count; i++) {
        const namespace = fakeNamespace()
        made.push([await makeStore(namespace), namespace])
      }
      await fn(made.map(([store]) => store))
    } finally {
      for (const [store, namespace] of made) {
        await store.close?.()
        await options.cleanup?.(store, namespace)
      }
    }
  }
  const withStore: WithStore = (fn) => withStores(1, ([store]) => fn(store!))
  const expiresNatively = options.expiresNatively ?? false
  const skip = options.skip === undefined || options.skip === false ? false : options.skip

  const skipCases = options.skipCases ?? {}
  const titles = new Set<string>()
  const register = (title: string, fn: () => Promise<void>) => {
    titles.add(title)
    it(title, { skip: skipCases[title] ?? false }, fn)
  }
  describe(`store conformance: ${name}`, { skip }, () => {
    describe('sessions', () => sessionCases(register, withStore, expiresNatively))
    describe('refresh tokens', () => refreshTokenCases(register, withStore, expiresNatively))
    describe('isolation', () => {
      register(
        'stores made with different namespaces do not see each other',
        withStores(2, async ([a, b]) => {
          const session = sessionRecord({ userId: 'shared-user' })
          const token = refreshTokenRecord({ familyId: 'shared-family' })
          await a!.sessions.create(session)
          await a!.refreshTokens.insert(token)
          assert.equal(await b!.sessions.get(session.idHash), null)
          assert.deepEqual(await b!.sessions.listByUser('shared-user'), [])
          assert.equal(await b!.sessions.replace({ ...session, version: 2 }, 1), false)
          await b!.sessions.touch(session.idHash, 1, 2)
          assert.equal(await b!.sessions.deleteByUser('shared-user'), 0)
          await b!.sessions.delete(session.idHash)
          assert.equal(await b!.sessions.deleteExpired(session.expiresAt + 1), 0)
          assert.equal(await b!.refreshTokens.use(token.idHash, Date.now()), null)
          assert.equal(await b!.refreshTokens.revokeFamily('shared-family', Date.now()), 0)
          assert.equal(await b!.refreshTokens.deleteExpired(token.expiresAt + 1), 0)
          assert.deepEqual(await a!.sessions.get(session.idHash), session)
          assert.deepEqual(await a!.refreshTokens.use(token.idHash, Date.now()), token)
        }),
      )
    })
    it('skipCases names only cases that exist', () => {
      assert.deepEqual(
        Object.keys(skipCases).filter((title) => !titles.has(title)),
        [],
      )
    })
  })
}
