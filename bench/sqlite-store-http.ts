// The store's share of the HTTP benchmark: an authenticated GET /profile that increments a
// counter, with a minimal hand-written server session (parse the cookie, hash the id, get, then
// compare-and-set), side by side in one run: bare Express (the ceiling), the memory store, SQLite
// with one transaction per request (the floor), and the SQLite store with group commit.
// Run: npx tsc -p . && node dist/bench/sqlite-store-http.js   (DURATION=3 s, ROUNDS=3)
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import express from 'express'
import { createMemoryStore } from 'tessera-session'
import type { Store } from 'tessera-session'
import { createSqliteStore } from 'tessera-session/stores/sqlite'

const VARIANTS = ['bare', 'memory', 'sqlite-per-request', 'sqlite-group-commit'] as const
type Variant = (typeof VARIANTS)[number]
const SESSIONS = 200
const DURATION = Number(process.env.DURATION ?? 3)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url')

/** The SQLite store, but each replace is its own autocommit transaction, run at once. */
function perRequestStore(file: string): Store {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const store = createSqliteStore({ database: db })
  const replace = db.prepare(`UPDATE tessera_sessions SET data = ?, version = ?, last_seen_at = ?
    WHERE id_hash = ? AND version = ? AND expires_at > ?`)
  const sessions = { ...store.sessions }
  sessions.replace = async (r, expected) =>
    replace.run(JSON.stringify(r.data), r.version, r.lastSeenAt, r.idHash, expected, Date.now())
      .changes === 1
  return { sessions, refreshTokens: store.refreshTokens }
}

function makeStore(variant: Variant, dir: string): Store | null {
  if (variant === 'memory') return createMemoryStore()
  if (variant === 'sqlite-per-request') return perRequestStore(path.join(dir, 'per-request.db'))
  if (variant === 'sqlite-group-commit')
    return createSqliteStore({ path: path.join(dir, 'group.db') })
  return null
}

/** Child process: serve one variant on 127.0.0.1, send the port and session ids to the parent. */
async function serve(variant: Variant, dir: string): Promise<void> {
  const store = makeStore(variant, dir)
  const ids = Array.from({ length: SESSIONS }, () => randomBytes(32).toString('base64url'))
  const now = Date.now()
  for (const [i, id] of ids.entries()) {
    await store?.sessions.create({
      idHash: sha256(id),
      userId: `u${i}`,
      data: { username: 'alice', count: 0 },
      version: 1,
      createdAt: now,
      authenticatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 3_600_000,
      meta: {},
    })
  }
  const app = express()
  app.get('/profile', async (req, res) => {
    if (store === null) return void res.send('welcome alice with the count: 1')
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    const idHash = sid === undefined ? '' : sha256(sid)
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await store.sessions.get(idHash)
      if (current === null) return void res.status(401).send('no session')
      const count = (current.data.count as number) + 1
      const next = { ...current, version: current.version + 1, data: { ...current.data, count } }
      if (await store.sessions.replace(next, current.version)) {
        return void res.send(`welcome ${String(current.data.username)} with the count: ${count}`)
      }
    }
    res.status(409).send('conflict')
  })
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address()
    process.send!({ port: typeof address === 'object' && address ? address.port : 0, ids })
  })
}

async function measure(variant: Variant, dir: string) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve', variant, dir])
  try {
    const { port, ids } = await new Promise<{ port: number; ids: string[] }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number; ids: string[] })),
    )
    let next = 0
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'GET',
          path: '/profile',
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, cookie: `sid=${ids[next++ % ids.length]}` },
          }),
        },
      ],
    })
    return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx }
  } finally {
    child.kill()
  }
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Variant, process.argv[4]!)
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-http-bench-'))
  try {
    // VARIANTS=memory,bare runs a subset; bare must be among them for the ratios. The variants
    // take turns for ROUNDS rounds and each reports its median, so a burst of load from
    // elsewhere on a shared machine hits every variant rather than one.
    const chosen = (process.env.VARIANTS?.split(',') ?? VARIANTS) as Variant[]
    const runs = new Map<Variant, { rps: number; p99: number; non2xx: number }[]>()
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of chosen) {
        runs.set(variant, [...(runs.get(variant) ?? []), await measure(variant, dir)])
      }
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!
    const bare = median(runs.get('bare')?.map((r) => r.rps) ?? [NaN])
    console.log(
      `GET /profile incrementing a counter, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s, medians`,
    )
    for (const [variant, results] of runs) {
      const rps = median(results.map((r) => r.rps))
      const p99 = median(results.map((r) => r.p99))
      const non2xx = results.reduce((sum, r) => sum + r.non2xx, 0)
      console.log(
        `${variant.padEnd(22)} ${rps.toFixed(0).padStart(7)} req/s  p99 ${p99} ms  ${(rps / bare).toFixed(2)}x bare  non-2xx ${non2xx}`,
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
