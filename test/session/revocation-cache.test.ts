import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTesseraError } from '../../src/errors.js'
import { createRevocationCache } from '../../src/session/revocation-cache.js'

function manualClock(start = 1_000_000): { now: () => number; advanceMs: (ms: number) => void } {
  let t = start
  return { now: () => t, advanceMs: (ms) => (t += ms) }
}

describe('createRevocationCache', () => {
  it('answers repeated lookups within the lifetime from memory', async () => {
    const clock = manualClock()
    const cache = createRevocationCache<string>({ clock })
    let calls = 0
    const load = async () => `answer ${++calls}`
    assert.equal(await cache.get('sid', load), 'answer 1')
    clock.advanceMs(999)
    assert.equal(await cache.get('sid', load), 'answer 1')
    assert.equal(calls, 1)
  })

  it('asks the store again once the answer is one second old', async () => {
    const clock = manualClock()
    const cache = createRevocationCache<string>({ clock })
    let live = 'live'
    const load = async () => live
    assert.equal(await cache.get('sid', load), 'live')
    live = 'revoked' // another process revokes the session
    clock.advanceMs(1000)
    assert.equal(await cache.get('sid', load), 'revoked')
  })

  it('coalesces concurrent lookups of one key into a single store call', async () => {
    const cache = createRevocationCache<number>({ clock: manualClock() })
    let calls = 0
    let release!: (v: number) => void
    const load = () => {
      calls++
      return new Promise<number>((resolve) => (release = resolve))
    }
    const waiting = Array.from({ length: 50 }, () => cache.get('u1', load))
    release(7)
    assert.deepEqual(await Promise.all(waiting), Array<number>(50).fill(7))
    assert.equal(calls, 1)
  })

  it('does not share a lookup that started more than the lifetime ago', async () => {
    const clock = manualClock()
    const cache = createRevocationCache<string>({ clock })
    let release!: (v: string) => void
    const slow = cache.get('sid', () => new Promise<string>((resolve) => (release = resolve)))
    clock.advanceMs(1500)
    assert.equal(await cache.get('sid', async () => 'fresh'), 'fresh')
    release('stale')
    assert.equal(await slow, 'stale')
  })

  it('never caches a failed lookup', async () => {
    const cache = createRevocationCache<string>({ clock: manualClock() })
    await assert.rejects(
      cache.get('sid', async () => {
        throw new Error('store down')
      }),
      /store down/,
    )
    assert.equal(await cache.get('sid', async () => 'back'), 'back')
  })

  it('forgets a key at once when this process revokes it', async () => {
    const cache = createRevocationCache<string>({ clock: manualClock() })
    await cache.get('sid', async () => 'live')
    cache.invalidate('sid')
    assert.equal(await cache.get('sid', async () => 'revoked'), 'revoked')
    cache.clear()
    assert.equal(cache.size, 0)
  })

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    const cache = createRevocationCache<number>({ clock: manualClock(), maxEntries: 3 })
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, async () => i)
    assert.equal(cache.size, 3)
    let calls = 0
    assert.equal(await cache.get('k9', async () => ++calls), 9, 'the newest key is still cached')
    assert.equal(await cache.get('k0', async () => ++calls), 1, 'the oldest key was dropped')
  })

  const invalid = [
    ['a lifetime above one second', { lifetimeMs: 1001 }],
    ['a zero lifetime', { lifetimeMs: 0 }],
    ['a fractional lifetime', { lifetimeMs: 0.5 }],
    ['a zero maxEntries', { maxEntries: 0 }],
  ] as const
  for (const [name, options] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => createRevocationCache(options),
        (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
      )
    })
  }
})
