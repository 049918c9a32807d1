// Store-level throughput of the per-request work of a session update (get, then compare-and-set
// replace), many requests in flight: the SQLite store with group commit next to one autocommit
// transaction per write on the same file settings, and the memory store, in one run.
// Run: npx tsc -p . && node dist/bench/sqlite-store.js
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { createMemoryStore } from 'tessera'
import type { SessionRecord, Store } from 'tessera'
import { createSqliteStore } from 'tessera/stores/sqlite'

const SESSIONS = 1000
const REQUESTS = Number(process.env.REQUESTS ?? 20_000)
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 64)
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-'))

function records(): SessionRecord[] {
  const now = Date.now()
  return Array.from({ length: SESSIONS }, (_, i) => ({
    idHash: randomBytes(32).toString('base64url'),
    userId: `u${i}`,
    data: { username: 'alice', count: 0 },
    version: 1,
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    meta: { ip: '127.0.0.1', userAgent: 'bench' },
  }))
}

/** One request: read the session, increment the counter, compare-and-set; retry on conflict. */
async function request(store: Store, idHash: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const current = await store.sessions.get(idHash)
    if (current === null) throw new Error('session vanished')
    const count = (current.data.count as number) + 1
    const next = { ...current, version: current.version + 1, data: { ...current.data, count } }
    if (await store.sessions.replace(next, current.version)) return
  }
  throw new Error('too many conflicts')
}

/** Requests per second with IN_FLIGHT requests outstanding at any time. */
async function measure(store: Store): Promise<number> {
  const all = records()
  for (const r of all) await store.sessions.create(r)
  let next = 0
  const started = process.hrtime.bigint()
  const worker = async () => {
    while (next < REQUESTS) await request(store, all[next++ % SESSIONS]!.idHash)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  await store.close?.()
  return REQUESTS / seconds
}

/** The same work with one autocommit transaction per write, as a store without group commit does. */
function perWriteStore(file: string): Store {
  const db = new Database(file)
  const store = createSqliteStore({ database: db })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const replace = db.prepare(`UPDATE tessera_sessions SET data = ?, version = ?, last_seen_at = ?
    WHERE id_hash = ? AND version = ? AND expires_at > ?`)
  return {
    ...store,
    sessions: {
      ...store.sessions,
      replace: async (r, expected) =>
        replace.run(JSON.stringify(r.data), r.version, r.lastSeenAt, r.idHash, expected, Date.now())
          .changes === 1,
    },
    close: async () => {
      await store.close?.()
      db.close()
    },
  }
}

try {
  const results: [string, number][] = []
  results.push(['memory store', await measure(createMemoryStore())])
  results.push([
    'sqlite, one transaction per write',
    await measure(perWriteStore(path.join(dir, 'a.db'))),
  ])
  results.push([
    'sqlite store (group commit)',
    await measure(createSqliteStore({ path: path.join(dir, 'b.db') })),
  ])
  const base = results[1]![1]
  console.log(
    `get + replace per request, ${REQUESTS} requests, ${IN_FLIGHT} in flight, node ${process.version}`,
  )
  for (const [name, perSecond] of results) {
    console.log(
      `${name.padEnd(36)} ${perSecond.toFixed(0).padStart(8)} req/s  ${(perSecond / base).toFixed(2)}x per-write`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
