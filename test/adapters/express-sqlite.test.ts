// The server carrier on the SQLite store, over real HTTP: concurrency and a process restart.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import type { Store } from '../../src/stores/store.js'
import { withApp } from '../helpers/express-app.js'
import { client, form } from '../helpers/http.js'

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-session-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function withSqlite(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = createSqliteStore({ path: path.join(dir, `${randomBytes(6).toString('hex')}.db`) })
  try {
    await fn(store)
  } finally {
    await store.close?.()
  }
}

describe('express adapter on the SQLite store', () => {
  it('150 concurrent update() calls on one session end at exactly 150', () =>
    withSqlite((store) =>
      withApp(
        {},
        async (_t, server) => {
          const c = client(server.url)
          await c.request('/login', form({ user: 'alice' }))
          const replies = await Promise.all(Array.from({ length: 150 }, () => c.request('/count')))
          assert.deepEqual(
            replies.map((r) => r.status).filter((s) => s !== 200),
            [],
          )
          assert.equal(JSON.parse((await c.request('/profile')).text).data.count, 150)
        },
        store,
      ),
    ))

  it('two concurrent requests writing different keys both survive', () =>
    withSqlite((store) =>
      withApp(
        {},
        async (_t, server) => {
          const c = client(server.url)
          await c.request('/login', form({ user: 'bob' }))
          await Promise.all([
            c.request('/assign', form({ key: 'a', value: '1' })),
            c.request('/assign', form({ key: 'b', value: '2' })),
          ])
          const data = JSON.parse((await c.request('/peek')).text)
          assert.deepEqual({ a: data.a, b: data.b }, { a: '1', b: '2' })
        },
        store,
      ),
    ))

  it('a session survives a restart of the process', async () => {
    const file = path.join(dir, 'restart.db')
    const key = randomBytes(32).toString('base64url')
    const first = await start(file, key)
    const c = client(`http://127.0.0.1:${first.port}`)
    await c.request('/login', form({ user: 'carol' }))
    await c.request('/views')
    await stop(first.child)
    const second = await start(file, key)
    try {
      const again = client(`http://127.0.0.1:${second.port}`)
      const res = await again.request('/profile', { headers: { cookie: c.cookieHeader()! } })
      assert.equal(res.status, 200)
      assert.deepEqual(JSON.parse(res.text), { userId: 'carol', data: { views: 1 } })
    } finally {
      await stop(second.child)
    }
  })
})

const script = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../helpers/sqlite-app-process.js',
)

function start(file: string, key: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script, file, key], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`app process exited early (${code})`)))
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({ child, port: Number(String(chunk).trim()) }),
    )
  })
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGKILL') // no chance to flush anything: what was acknowledged must be on disk
  })
}
