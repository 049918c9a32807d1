// Heap bytes per stored small session: tessera's memory store next to express-session's
// MemoryStore, in one run. Run: npx tsc -p . && node --expose-gc dist/bench/memory-store-heap.js
import { randomBytes } from 'node:crypto'
import { Cookie, MemoryStore } from 'express-session'
import type { CookieOptions } from 'express-session'
import { createMemoryStore } from 'tessera-session'

const N = Number(process.env.N ?? 50_000)

// The typings omit the constructor's options argument, which express-session itself passes.
const SessionCookie = Cookie as unknown as new (options: CookieOptions) => Cookie

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')

/** `bytes` random bytes in base64url: a flat string, as real ids are (concatenation builds ropes). */
function randomString(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

function heapUsed(): number {
  for (let i = 0; i < 4; i++) gc?.()
  return process.memoryUsage().heapUsed
}

async function tesseraBytesPerSession(sameUser: boolean): Promise<number> {
  const before = heapUsed()
  const store = createMemoryStore({ maxEntries: N })
  const now = Date.now()
  for (let i = 0; i < N; i++) {
    await store.sessions.create({
      idHash: randomString(32),
      userId: sameUser ? 'u123' : `u${i}`,
      data: { username: 'alice', count: 3 },
      version: 1,
      createdAt: now,
      authenticatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 1_800_000 + i,
      meta: {},
    })
  }
  const bytes = (heapUsed() - before) / N
  await store.close?.()
  return bytes
}

async function expressSessionBytesPerSession(): Promise<number> {
  const before = heapUsed()
  const store = new MemoryStore()
  for (let i = 0; i < N; i++) {
    const session = {
      cookie: new SessionCookie({ maxAge: 1_800_000, httpOnly: true, path: '/' }),
      userId: 'u123',
      username: 'alice',
      count: 3,
    }
    // express-session's ids are 24 random bytes in base64url: 32 characters.
    await new Promise<void>((resolve, reject) =>
      store.set(randomString(24), session as never, (err) => (err ? reject(err) : resolve())),
    )
  }
  const bytes = (heapUsed() - before) / N
  store.clear()
  return bytes
}

const express = await expressSessionBytesPerSession()
const sameUser = await tesseraBytesPerSession(true)
const ownUser = await tesseraBytesPerSession(false)
console.log(`heap bytes per stored small session, N=${N}, node ${process.version}`)
console.log(`express-session MemoryStore             ${express.toFixed(0)} B`)
console.log(
  `tessera memory store, one user          ${sameUser.toFixed(0)} B  (${(sameUser / express).toFixed(2)}x)`,
)
console.log(
  `tessera memory store, a user per session ${ownUser.toFixed(0)} B  (${(ownUser / express).toFixed(2)}x)`,
)
