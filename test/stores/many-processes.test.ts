// Two app processes on one Redis and, separately, on one PostgreSQL, in every carrier: a
// session made through one works through the other, concurrent writes through both behave as
// docs/carriers.md promises, and logging out everywhere through one is refused by the other
// within one second.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { createClient } from 'redis'
import { startAppProcess, type AppProcess } from '../helpers/app-process.js'
import { client, type Client } from '../helpers/http.js'
import { serviceUrl, uniqueName } from '../helpers/services.js'

type CarrierName = 'server' | 'cookie' | 'token'
const CARRIERS: readonly CarrierName[] = ['server', 'cookie', 'token']
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' }
const INCREMENTS = 200
/** The revocation bound the docs promise for the cookie and token carriers. */
const REVOCATION_BOUND_MS = 1000
/** How long the test keeps asking A after logoutEverywhere before it gives up (bounded poll). */
const POLL_LIMIT_MS = 1500

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

/** 200 concurrent `update` increments split across A and B, checked as the carrier promises. */
async function countConcurrently(carrier: CarrierName, onA: Client, onB: Client): Promise<void> {
  const replies = await Promise.all(
    Array.from({ length: INCREMENTS }, (_, i) => (i % 2 === 0 ? onA : onB).request('/count')),
  )
  assert.deepEqual(
    replies.filter((r) => r.status !== 200).map((r) => r.status),
    [],
  )
  const peek = async (c: Client) =>
    (JSON.parse((await c.request('/peek')).text) as { count?: number }).count
  if (carrier !== 'cookie') {
    // The record is in the store and every update is a compare-and-set: nothing is lost.
    assert.equal(await peek(onA), INCREMENTS)
    assert.equal(await peek(onB), INCREMENTS)
    return
  }
  // CO-6, "the last response wins": all 200 requests left with the same cookie (count 0), so
  // each answered 1 and the cookie the browser kept says 1, through either process.
  assert.deepEqual(new Set(replies.map((r) => JSON.parse(r.text) as number)), new Set([1]))
  for (const [name, value] of onA.jar) onB.jar.set(name, value)
  assert.equal(await peek(onA), 1)
  assert.equal(await peek(onB), 1)
}

/**
 * Asks A with the ended session until it answers 401, for at most POLL_LIMIT_MS. Returns how
 * long after `endedAt` the last request A still served was sent (-1 if none), and how many
 * requests it took.
 */
async function refusal(
  onA: Client,
  endedAt: number,
): Promise<{ lastServedMs: number; asked: number }> {
  let lastServedMs = -1
  for (let i = 0; i < 100; i++) {
    const sentAt = Date.now()
    const status = (await onA.request('/profile')).status
    if (status === 401) return { lastServedMs, asked: i + 1 }
    assert.equal(status, 200, 'the ended session is either served or refused, nothing else')
    lastServedMs = sentAt - endedAt
    if (Date.now() - endedAt > POLL_LIMIT_MS) break
    await sleep(25)
  }
  return assert.fail(`A still served the ended session ${POLL_LIMIT_MS} ms after logoutEverywhere`)
}

function scenario(carrier: CarrierName, start: () => Promise<[AppProcess, AppProcess]>) {
  return async () => {
    const [a, b] = await start()
    const onA = await login(a.url, 'alice')
    const onB = sameBrowser(onA, b.url)
    const profile = await onB.request('/profile')
    assert.equal(profile.status, 200)
    assert.equal((JSON.parse(profile.text) as { userId: string }).userId, 'alice')

    await countConcurrently(carrier, onA, onB)

    // A second device of alice, logged in through B, logs out everywhere else.
    const otherDevice = await login(b.url, 'alice')
    // Once any earlier lookup has aged out, A looks the session up again: a per-process cache
    // then holds it as live from just before the logout, the hardest case for the bound.
    await sleep(REVOCATION_BOUND_MS + 100)
    assert.equal((await onA.request('/profile')).status, 200)
    const ended = await otherDevice.request('/logout-everywhere', {
      method: 'POST',
      headers: SAME_ORIGIN,
    })
    const endedAt = Date.now()
    assert.equal(ended.status, 200)
    assert.equal(JSON.parse(ended.text), 1)
    const { lastServedMs, asked } = await refusal(onA, endedAt)
    // The server carrier keeps nothing per process, so A refuses its very next request; the
    // cookie and token carriers cache a record for at most one second, so no request sent
    // later than that may still be served.
    if (carrier === 'server') assert.equal(asked, 1, 'server carrier: refused at once')
    assert.ok(
      lastServedMs < REVOCATION_BOUND_MS,
      `A served the ended session to a request sent ${lastServedMs} ms after logoutEverywhere`,
    )
    assert.equal((await otherDevice.request('/profile')).status, 200)
  }
}

const key = randomBytes(32).toString('base64url')

/** Starts two processes, registering each for `after` at once so a failure cannot leak one. */
function processPair(running: AppProcess[], args: string[]) {
  return async (): Promise<[AppProcess, AppProcess]> => {
    const started = await Promise.allSettled([
      startAppProcess('distributed-app-process', args),
      startAppProcess('distributed-app-process', args),
    ])
    for (const s of started) if (s.status === 'fulfilled') running.push(s.value)
    const [a, b] = started
    if (a.status === 'rejected') throw a.reason
    if (b.status === 'rejected') throw b.reason
    return [a.value, b.value]
  }
}

async function killAll(running: AppProcess[]): Promise<void> {
  await Promise.all(running.splice(0).map((p) => p.kill()))
}

describe('two app processes on one Redis', () => {
  const url = serviceUrl('REDIS_URL')
  if (url === undefined) return
  const namespace = uniqueName('mp')
  const running: AppProcess[] = []
  after(async () => {
    await killAll(running)
    const c = createClient({ url })
    await c.connect()
    for await (const keys of c.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) {
      if (keys.length > 0) await c.del(keys)
    }
    c.destroy()
  })
  for (const carrier of CARRIERS) {
    it(`${carrier} carrier: share sessions, count as documented, refuse logoutEverywhere within 1 s`, async () => {
      try {
        await scenario(
          carrier,
          processPair(running, ['redis', url, `${namespace}_${carrier}`, key, carrier]),
        )()
      } finally {
        await killAll(running)
      }
    })
  }
})

describe('two app processes on one PostgreSQL', () => {
  const url = serviceUrl('DATABASE_URL')
  if (url === undefined) return
  const namespace = uniqueName('mp')
  const running: AppProcess[] = []
  let pool: pg.Pool | undefined
  after(async () => {
    await killAll(running)
    for (const carrier of CARRIERS) {
      await pool?.query(`DROP SCHEMA IF EXISTS "${namespace}_${carrier}" CASCADE`)
    }
    await pool?.end()
  })
  for (const carrier of CARRIERS) {
    it(`${carrier} carrier: share sessions, count as documented, refuse logoutEverywhere within 1 s`, async () => {
      pool ??= new pg.Pool({ connectionString: url, max: 1 })
      await pool.query(`CREATE SCHEMA "${namespace}_${carrier}"`)
      try {
        await scenario(
          carrier,
          processPair(running, ['postgres', url, `${namespace}_${carrier}`, key, carrier]),
        )()
      } finally {
        await killAll(running)
      }
    })
  }
})
