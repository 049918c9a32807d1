import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { changedKeys, clone, merge, replaceContents } from '../../src/session/session-data.js'

type Json = Record<string, unknown>
const jsonObject = fc
  .dictionary(fc.string(), fc.jsonValue())
  .map((d) => JSON.parse(JSON.stringify(d)) as Json)

describe('session data', () => {
  it('clone gives equal JSON and shares no object with its input', () => {
    fc.assert(
      fc.property(jsonObject, (data) => {
        const copy = clone(data)
        assert.equal(JSON.stringify(copy), JSON.stringify(data))
        assert.deepEqual(changedKeys(copy, data), [])
      }),
    )
    const data = { nested: { list: [{ a: 1 }] } }
    const copy = clone(data)
    ;(copy.nested as { list: { a: number }[] }).list[0]!.a = 2
    assert.equal(data.nested.list[0]!.a, 1)
  })

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}}') as Json
    const copy = clone(data)
    assert.equal(Object.getPrototypeOf(copy), Object.prototype)
    assert.deepEqual(Object.keys(copy), ['__proto__'])
    assert.equal(({} as Json).polluted, undefined)
  })

  it('merges and refills a __proto__ key as data, never as a prototype', () => {
    const working = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as Json
    const merged = merge({ kept: 1 }, working, ['__proto__', 'constructor'])
    assert.equal(Object.getPrototypeOf(merged), Object.prototype)
    assert.deepEqual(Object.keys(merged).sort(), ['__proto__', 'constructor', 'kept'])
    const target: Json = { old: 1 }
    replaceContents(target, working)
    assert.equal(Object.getPrototypeOf(target), Object.prototype)
    assert.deepEqual(Object.keys(target).sort(), ['__proto__', 'constructor'])
    assert.equal(({} as Json).polluted, undefined)
  })

  it('reports exactly the keys whose JSON changed, deep changes and deletions included', () => {
    const baseline = { a: 1, b: { c: [1, 2] }, d: 'x', when: new Date(0) }
    const working: Json = { ...clone(baseline), when: new Date(0) }
    ;(working.b as { c: number[] }).c.push(3)
    delete working.d
    working.e = null
    assert.deepEqual(changedKeys(working, baseline).sort(), ['b', 'd', 'e'])
  })

  it('merges changed keys onto the freshest data and leaves the other keys as stored', () => {
    const fresh = { a: 'theirs', b: 'theirs', gone: 1 }
    const working = { a: 'mine', b: 'old' }
    assert.deepEqual(merge(fresh, working, ['a', 'gone']), { a: 'mine', b: 'theirs' })
  })
})
