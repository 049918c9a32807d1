// Attack suite: tampered, truncated, foreign and misplaced auth cookies, on every carrier and
// store over real HTTP (docs/security-requirements.md: IN-3, KM-5, SID-3).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { it } from 'node:test'
import {
  authCookieNames,
  forEachVariant,
  isServerError,
  type Instance,
} from '../helpers/attack-matrix.js'
import type { Client } from '../helpers/http.js'

/** `value` with the character at `at` replaced by another base64url character. */
function flipAt(value: string, at: number): string {
  const was = value[at]
  const to = was === 'A' ? 'B' : was === '.' ? 'A' : 'A'
  return value.slice(0, at) + to + value.slice(at + 1)
}

/**
 * Positions to flip: every one on the memory store and without a store (the MAC or signature
 * check decides before any store is asked); on the other stores, the first and last 8 and
 * 16 spread between, so the store-backed path is covered without 4 × the requests.
 */
function positions(length: number, every: boolean): number[] {
  if (every || length <= 32) return Array.from({ length }, (_, i) => i)
  const picked = new Set<number>()
  for (let i = 0; i < 8; i++) picked.add(i).add(length - 1 - i)
  for (let k = 1; k <= 16; k++) picked.add(Math.floor((k * length) / 17))
  return [...picked].sort((a, b) => a - b)
}

/** Status of GET /profile sending exactly `cookie` (no other cookie). */
async function statusWith(instance: Instance, cookie: string): Promise<number> {
  const res = await instance.client().request('/profile', { headers: { cookie } })
  return res.status
}

/** Sends every cookie header, 8 at a time, and returns the statuses in order. */
async function statuses(instance: Instance, cookies: string[]): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < cookies.length; i += 8) {
    out.push(...(await Promise.all(cookies.slice(i, i + 8).map((c) => statusWith(instance, c)))))
  }
  return out
}

function assertAllRefused(got: number[], labels: string[]): void {
  const wrong = got.flatMap((status, i) => (status === 401 ? [] : [`${labels[i]} → ${status}`]))
  assert.deepEqual(wrong, [], 'every tampered value gives no session and no 5xx')
}

forEachVariant('attack: tampering', (app, variant) => {
  const every = variant.store === null || variant.store === 'memory'
  let victim: Client

  it('the genuine cookies give a session (the baseline the other cases change)', async () => {
    victim = await app().signedIn('victim')
    for (const name of authCookieNames(variant.carrier)) {
      assert.equal(await statusWith(app(), `${name}=${victim.jar.get(name)}`), 200, name)
    }
  })

  it(`each auth cookie flipped at ${every ? 'every character' : 'a spread of characters'} gives no session and no 5xx`, async () => {
    for (const name of authCookieNames(variant.carrier)) {
      const genuine = victim.jar.get(name)!
      const at = positions(genuine.length, every)
      const got = await statuses(
        app(),
        at.map((i) => `${name}=${flipAt(genuine, i)}`),
      )
      assertAllRefused(
        got,
        at.map((i) => `${name} flipped at ${i}/${genuine.length}`),
      )
    }
  })

  it('truncated auth cookies give no session and no 5xx', async () => {
    for (const name of authCookieNames(variant.carrier)) {
      const genuine = victim.jar.get(name)!
      const lengths = [0, 1, 10, genuine.length >> 1, genuine.length - 2, genuine.length - 1]
      const got = await statuses(
        app(),
        lengths.map((n) => `${name}=${genuine.slice(0, n)}`),
      )
      assertAllRefused(
        got,
        lengths.map((n) => `${name} cut to ${n}`),
      )
      // Cut at a segment boundary of a JWT or a sealed value, too.
      const dots = [...genuine.matchAll(/\./g)].map((m) => m.index)
      const cuts = await statuses(
        app(),
        dots.map((d) => `${name}=${genuine.slice(0, d)}`),
      )
      assertAllRefused(
        cuts,
        dots.map((d) => `${name} cut at the dot at ${d}`),
      )
    }
  })

  it('cookies issued by another app (its own key and store) give no session', async () => {
    const other = await app().another({
      keys: [{ id: 'attack-1', key: randomBytes(32) }],
      store: 'fresh',
    })
    const foreign = await other.signedIn('victim')
    const all = [...foreign.jar].map(([n, v]) => `${n}=${v}`).join('; ')
    assert.equal(await statusWith(app(), all), 401)
    for (const name of authCookieNames(variant.carrier)) {
      assert.equal(await statusWith(app(), `${name}=${foreign.jar.get(name)}`), 401, name)
    }
  })

  if (variant.carrier === 'cookie') {
    it('a genuine cookie moved to another cookie name of an app with the same keys gives no session (the seal is bound to its name)', async () => {
      const sibling = await app().another({ app: { cookieName: 'sibling' } })
      const there = await sibling.signedIn('victim')
      const value = there.jar.get('sibling')!
      assert.equal(await statusWith(sibling, `sibling=${value}`), 200, 'genuine where issued')
      assert.equal(await statusWith(app(), `tessera=${value}`), 401)
      assert.equal(await statusWith(sibling, `sibling=${victim.jar.get('tessera')}`), 401)
    })
  }

  if (variant.carrier === 'token') {
    it('the access token and the refresh token swapped between their cookie names give no session', async () => {
      const access = victim.jar.get('tessera')!
      const refresh = victim.jar.get('tessera-refresh')!
      assert.equal(await statusWith(app(), `tessera=${refresh}`), 401)
      assert.equal(await statusWith(app(), `tessera-refresh=${access}`), 401)
      assert.equal(await statusWith(app(), `tessera=${refresh}; tessera-refresh=${access}`), 401)
      assert.equal(await statusWith(app(), `tessera=${access}`), 200, 'the victim is unharmed')
    })
  }

  it('no tampered request left the victim’s session broken or the server in error', async () => {
    const res = await victim.request('/profile')
    assert.ok(!isServerError(res.status))
    assert.equal(res.status, 200)
  })
})
