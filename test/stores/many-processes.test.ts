// Two app processes on one Redis and, separately, on one PostgreSQL: a session made through one
// works through the other, concurrent writes through both lose nothing, and logging out
// everywhere through one is seen at once by the other. Server carrier (the one on this branch).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { createClient } from 'redis'
import { startAppProcess, type AppProcess } from '../helpers/app-process.js'
import { client, type Client } from '../helpers/http.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' }

/** The same browser talking to another app process: same cookies, other base URL. */
function sameBrowser(from: Client, base: string): Client {
  const other = client(base)
  for (const [name, value] of from.jar) other.jar.set(name, value)
  return other
}

async function login(base: string, user: string): Promise<Client> {
  const browser = client(base)
  const reply = await browser.request('/login', {
    method: 'POST',
    headers: { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: `user=${user}`,
  })
  assert.equal(reply.status, 303)
  return browser
}

function scenario(start: () => Promise<[AppProcess, AppProcess]>) {
  return async () => {
    const [a, b] = await start()
    try {
      const onA = await login(a.url, 'alice')
      const onB = sameBrowser(onA, b.url)
      const profile = await onB.request('/profile')
      assert.equal(profile.status, 200)
      assert.equal((JSON.parse(profile.text) as { userId: string }).userId, 'alice')

      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? onA : onB).request('/count')),
      )
      assert.deepEqual(
        replies.filter((r) => r.status !== 200).map((r) => r.status),
        [],
      )
      assert.equal(JSON.parse((await onA.request('/peek')).text).count, 200)

      // A second device of alice, logged in through B, logs out everywhere else.
      const otherDevice = await login(b.url, 'alice')
      const ended = await otherDevice.request('/logout-everywhere', {
        method: 'POST',
        headers: SAME_ORIGIN,
      })
      assert.equal(ended.status, 200)
      assert.equal(JSON.parse(ended.text), 1)
      // "Refused by A within one second": A keeps no per-process cache, so at once.
      assert.equal((await onA.request('/profile')).status, 401)
      assert.equal((await otherDevice.request('/profile')).status, 200)
    } finally {
      await a.kill()
      await b.kill()
    }
  }
}

const key = randomBytes(32).toString('base64url')

describe('two app processes on one Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  const namespace = uniqueName('mp')
  after(async () => {
    const c = createClient({ url })
    await c.connect()
    for await (const keys of c.scanIterator({ MATCH: `${namespace}:*`, COUNT: 500 })) {
      if (keys.length > 0) await c.del(keys)
    }
    c.destroy()
  })
  it(
    'share sessions, count 200 concurrent increments exactly, and see logoutEverywhere at once',
    scenario(async () => {
      const args = ['redis', url, namespace, key]
      return Promise.all([
        startAppProcess('distributed-app-process', args),
        startAppProcess('distributed-app-process', args),
      ])
    }),
  )
})

describe('two app processes on one PostgreSQL', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const namespace = uniqueName('mp')
  let pool: pg.Pool | undefined
  after(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
    await pool?.end()
  })
  it(
    'share sessions, count 200 concurrent increments exactly, and see logoutEverywhere at once',
    scenario(async () => {
      pool = new pg.Pool({ connectionString: url, max: 1 })
      await pool.query(`CREATE SCHEMA "${namespace}"`)
      const args = ['postgres', url, namespace, key]
      return Promise.all([
        startAppProcess('distributed-app-process', args),
        startAppProcess('distributed-app-process', args),
      ])
    }),
  )
})
