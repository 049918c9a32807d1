// Runs the conformance suite on a deliberately broken store (chosen by BROKEN_STORE), so
// test/testing/store-conformance.test.ts can check that the suite catches each fault.
import { createMemoryStore } from '../../src/stores/memory.js'
import type { SessionRecord, Store } from '../../src/stores/store.js'
import { testStore } from '../../src/testing/store-conformance.js'

/** Each fault, as a wrapper around a correct memory store. */
export const BROKEN_STORES: Record<string, () => Store> = {
  'shares the records it returns': () => {
    const store = createMemoryStore()
    const handedOut = new Map<string, SessionRecord>()
    return {
      ...store,
      sessions: {
        ...store.sessions,
        get: async (idHash) => {
          const fresh = await store.sessions.get(idHash)
          if (fresh === null) return null
          const shared = handedOut.get(idHash) ?? fresh
          handedOut.set(idHash, shared)
          return shared
        },
      },
    }
  },
  'ignores the expected version': () => {
    const store = createMemoryStore()
    return {
      ...store,
      sessions: {
        ...store.sessions,
        replace: async (record) => {
          const current = await store.sessions.get(record.idHash)
          return current !== null && store.sessions.replace(record, current.version)
        },
      },
    }
  },
  'returns expired records': () => createMemoryStore({ clock: { now: () => 0 } }),
  'lets every use be the first': () => {
    const store = createMemoryStore()
    return {
      ...store,
      refreshTokens: {
        ...store.refreshTokens,
        use: async (idHash, now) => {
          const token = await store.refreshTokens.use(idHash, now)
          return token && { ...token, usedAt: null }
        },
      },
    }
  },
}

const chosen = process.env.BROKEN_STORE
if (chosen !== undefined) testStore(`broken: ${chosen}`, BROKEN_STORES[chosen]!)
if (process.env.SKIP_UNKNOWN_CASE === '1') {
  testStore('memory, skipping a case that does not exist', () => createMemoryStore(), {
    skipCases: { 'a case with a misspelt title': 'misspelt on purpose' },
  })
}
