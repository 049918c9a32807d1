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

  it('holds at most maxEntries strings, dropping the oldest', () => {
    const cache = createVerifiedCache<number>(3)
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i)
    assert.equal(cache.get('k6'), undefined)
    assert.deepEqual(
      ['k7', 'k8', 'k9'].map((k) => cache.get(k)),
      [7, 8, 9],
    )
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
