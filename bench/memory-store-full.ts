// What a session create costs the memory store once it is full (every write then makes room,
// about 1/128 of maxEntries at a time): fills a default store (100,000 entries), then times
// `creates` more, one at a time, as a login flood would make them. Run it under callgrind for a
// count the machine's load does not move:
//   npx tsc -p . && node dist/bench/memory-store-full.js [creates=20000] [fill=100000]
//   valgrind --tool=callgrind node --single-threaded dist/bench/memory-store-full.js 20000
//   (and again with 0 creates: the difference / creates is the instructions per full-store create)
import { createMemoryStore } from '../src/stores/memory.js'
import type { SessionRecord } from '../src/stores/store.js'

const CREATES = Math.min(1_000_000, Number(process.argv[2] ?? 20_000))
const FILL = Math.min(1_000_000, Number(process.argv[3] ?? 100_000))

const store = createMemoryStore()
const now = Date.now()
let n = 0
/** A signed-in session of one of 1,000 users, each expiring a millisecond after the one before. */
function record(): SessionRecord {
  n++
  return {
    idHash: `${n.toString(36).padStart(43, 'x')}`,
    userId: `user-${n % 1000}`,
    data: { username: 'alice' },
    version: 1,
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 1_800_000 + n,
    meta: {},
  }
}

for (let i = 0; i < FILL; i++) await store.sessions.create(record())
const start = process.hrtime.bigint()
for (let i = 0; i < CREATES; i++) await store.sessions.create(record())
const micros = Number(process.hrtime.bigint() - start) / 1000
console.log(
  `${CREATES} creates into a store filled with ${FILL}: ${(micros / Math.max(1, CREATES)).toFixed(2)} µs each`,
)
await store.close?.()
