// Ten concurrent requests on ONE session, in-process (no HTTP): each opens the session, increments
// a counter with update() and commits, 2,000 times in all, on the SQLite store. Counts the
// store's compare-and-set calls and how many lost, besides wall and CPU time per request, so the
// cost of same-session contention shows even where the machine's load blurs HTTP figures.
//   npx tsc -p . && node dist/bench/same-session.js [requests=2000] [concurrency=10]
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createSessionManager } from '../src/session/manager.js'
import type { ResponseSink } from '../src/session/request-session.js'
import { createSqliteStore } from '../src/stores/sqlite.js'
import type { Store } from '../src/stores/store.js'

const REQUESTS = Math.min(100_000, Number(process.argv[2] ?? 2000))
const CONCURRENCY = Math.min(100, Number(process.argv[3] ?? 10))

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-same-session-'))
const inner = createSqliteStore({ path: path.join(dir, 'db.sqlite') })
const counts = { replace: 0, lost: 0 }
const store: Store = {
  ...inner,
  sessions: {
    ...inner.sessions,
    replace: async (record, expected) => {
      counts.replace++
      const ok = await inner.sessions.replace(record, expected)
      if (!ok) counts.lost++
      return ok
    },
  },
}
const manager = createSessionManager<{ count?: number }>({
  carrier: 'server',
  store,
  keys: [{ id: 'bench', key: randomBytes(32) }],
})
let cookie = ''
const sink: ResponseSink = {
  setCookies: (values) => {
    if (cookie === '') cookie = values.map((v) => v.split(';')[0]).join('; ')
  },
  authenticated() {},
  loggedOut() {},
  presentError: (err) => err,
}
const request = (cookieHeader: string | undefined, method = 'GET') => ({
  cookieHeader,
  secure: false,
  method,
  host: 'localhost',
  ip: '127.0.0.1',
  userAgent: 'bench',
})
const login = await manager.open(request(undefined, 'POST'), sink)
await login.login('alice')

let next = 0
async function worker(): Promise<void> {
  while (next < REQUESTS) {
    next++
    const s = await manager.open(request(cookie), sink)
    await s.update((d) => {
      d.count = (d.count ?? 0) + 1
    })
    if (s.needsCommit()) await s.commit(true)
  }
}
const cpu = process.cpuUsage()
const start = process.hrtime.bigint()
await Promise.all(Array.from({ length: CONCURRENCY }, worker))
const wallMicros = Number(process.hrtime.bigint() - start) / 1000
const used = process.cpuUsage(cpu)
const final = await manager.open(request(cookie), sink)
console.log(
  `${REQUESTS} update() requests, ${CONCURRENCY} at a time on one session (SQLite): ` +
    `count ${String(final.data.count)}; ${counts.replace} compare-and-set calls, ${counts.lost} lost; ` +
    `${(wallMicros / REQUESTS).toFixed(1)} µs wall, ${((used.user + used.system) / REQUESTS).toFixed(1)} µs CPU per request`,
)
await inner.close?.()
rmSync(dir, { recursive: true, force: true })
