import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createVerifiedCache } from '../../src/session/verified-cache.js'

describe('createVerifiedCache', () => {
  it('remembers a verified string and answers only for that exact string', () => {
    const cache = createVerifiedCache<number>()
    cache.set('sealed-value', 1)
    assert.equal(cache.get('sealed-value'), 1)
    assert.equal(cache.get('sealed-valuE'), undefined)
    assert.equal(cache.get('sealed-valu'), undefined)
  })

  it('holds at most maxEntries strings, keeping the newest and dropping the oldest', () => {
    const cache = createVerifiedCache<number>(4)
    for (let i = 0; i < 11; i++) cache.set(`k${i}`, i)
    const held = Array.from({ length: 11 }, (_, i) => cache.get(`k${i}`))
    assert.ok(held.filter((v) => v !== undefined).length <= 4)
    assert.deepEqual(held.slice(0, 7), Array(7).fill(undefined))
    assert.deepEqual(held.slice(9), [9, 10]) // the newest half is always held
  })

  it('answers for a string set again after it was set once (the newer entry wins)', () => {
    const cache = createVerifiedCache<number>(4)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('c', 3) // a and b are now the older generation
    cache.set('a', 4)
    assert.equal(cache.get('a'), 4)
    assert.equal(cache.get('b'), 2)
  })

  it('does not remember strings longer than one cookie', () => {
    const cache = createVerifiedCache<number>()
    const long = 'x'.repeat(4097)
    cache.set(long, 1)
    assert.equal(cache.get(long), undefined)
  })
})

describe('createVerifiedCache, strings that share their last characters', () => {
  it('never answers for a string that differs anywhere, even with the same ending', () => {
    const cache = createVerifiedCache<string>()
    const tail = '.' + 'S'.repeat(43)
    cache.set(`header.payload${tail}`, 'genuine')
    assert.equal(cache.get(`header.forged!${tail}`), undefined)
    assert.equal(cache.get(`header.payload${tail}`), 'genuine')
  })
})
