import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deepFreeze, memoBySlot, memoByText } from '../../src/jwt/memo.js'

describe('memoByText', () => {
  it('computes each text once and answers repeats from memory', () => {
    const seen: string[] = []
    const memo = memoByText(4, (t) => {
      seen.push(t)
      return { t }
    })
    const a = memo('a')
    assert.equal(memo('b').t, 'b')
    assert.equal(memo('a'), a)
    assert.equal(memo('a'), a)
    assert.deepEqual(seen, ['a', 'b'])
  })

  it('holds at most maxEntries texts, starting over when full', () => {
    const seen: string[] = []
    const memo = memoByText(2, (t) => seen.push(t))
    for (const t of ['a', 'b', 'c', 'a']) memo(t)
    assert.deepEqual(seen, ['a', 'b', 'c', 'a'])
  })

  it('remembers nothing for a text whose computation throws', () => {
    let calls = 0
    const memo = memoByText(4, () => {
      calls++
      throw new Error('bad')
    })
    assert.throws(() => memo('x'), /bad/)
    assert.throws(() => memo('x'), /bad/)
    assert.equal(calls, 2)
  })
})

describe('memoBySlot', () => {
  const counting = () => {
    const seen: string[] = []
    const memo = memoBySlot(4, (t) => {
      seen.push(t)
      return deepFreeze({ t, nested: { n: 1 } })
    })
    return { seen, memo }
  }

  it('keeps a value the second time its text comes, then hands every caller that value', () => {
    const { seen, memo } = counting()
    const first = memo('a', 0)
    const second = memo('a', 0)
    assert.deepEqual(second, first)
    assert.equal(memo('a', 0), second)
    assert.equal(memo('a', 0), second)
    assert.equal(Object.isFrozen(second), true)
    assert.equal(Object.isFrozen(second.nested), true)
    assert.deepEqual(seen, ['a', 'a'])
  })

  it('a newer text takes its slot over; other slots keep theirs', () => {
    const { seen, memo } = counting()
    memo('a', 1)
    const a = memo('a', 1)
    memo('b', 2)
    const b = memo('b', 2)
    memo('c', 1 + 4) // the same slot as "a" once masked
    assert.notEqual(memo('a', 1), a)
    assert.equal(memo('b', 2), b)
    assert.deepEqual(seen, ['a', 'a', 'b', 'b', 'c', 'a'])
  })

  it('never answers for a different text in the same slot', () => {
    const { memo } = counting()
    memo('a', 3)
    assert.equal(memo('b', 3).t, 'b')
  })

  it('remembers nothing for a text whose computation throws', () => {
    let calls = 0
    const memo = memoBySlot(4, () => {
      calls++
      throw new Error('bad')
    })
    assert.throws(() => memo('x', 0), /bad/)
    assert.throws(() => memo('x', 0), /bad/)
    assert.equal(calls, 2)
  })

  it('refuses a slot count that is not a power of two', () => {
    assert.throws(() => memoBySlot(3, String), RangeError)
    assert.throws(() => memoBySlot(0, String), RangeError)
  })
})
