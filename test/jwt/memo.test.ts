import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deepFreeze, memoByText, memoRepeated } from '../../src/jwt/memo.js'

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

describe('memoRepeated', () => {
  const counting = () => {
    const seen: string[] = []
    const memo = memoRepeated(
      4,
      (t) => {
        seen.push(t)
        return { t, nested: { n: 1 } }
      },
      deepFreeze,
    )
    return { seen, memo }
  }

  it('returns a fresh mutable value the first time, then freezes and keeps it', () => {
    const { seen, memo } = counting()
    const first = memo('a', 0)
    assert.equal(Object.isFrozen(first), false)
    const second = memo('a', 0)
    assert.equal(Object.isFrozen(second), true)
    assert.equal(Object.isFrozen(second.nested), true)
    assert.equal(memo('a', 0), second)
    assert.deepEqual(seen, ['a', 'a'])
  })

  it('a newer text takes its slot over; other slots keep theirs', () => {
    const { seen, memo } = counting()
    memo('a', 1)
    const a = memo('a', 1)
    memo('b', 2)
    memo('b', 2)
    memo('c', 1 + 4) // the same slot as "a" once masked
    assert.notEqual(memo('a', 1), a)
    assert.equal(memo('b', 2), memo('b', 2))
    assert.deepEqual(seen, ['a', 'a', 'b', 'b', 'c', 'a'])
  })

  it('never answers for a different text in the same slot', () => {
    const { memo } = counting()
    memo('a', 3)
    memo('a', 3)
    assert.equal(memo('b', 3).t, 'b')
  })

  it('refuses a slot count that is not a power of two', () => {
    assert.throws(() => memoRepeated(3, String, (v) => v), RangeError)
    assert.throws(() => memoRepeated(0, String, (v) => v), RangeError)
  })
})
