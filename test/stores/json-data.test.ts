import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { jsonClone } from '../../src/stores/json-data.js'

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown

// Values JSON treats specially: -0, NaN, ±Infinity, undefined, functions, symbols, holes, Dates,
// objects with toJSON, class instances, null prototypes and `__proto__` keys.
const odd = fc.oneof(
  fc.constantFrom(-0, NaN, Infinity, -Infinity, undefined, () => 1, Symbol('s')),
  fc.date({ noInvalidDate: true }),
  fc.constant({ toJSON: () => 'custom' }),
  fc.constant(
    new (class Point {
      x = 1
    })(),
  ),
  fc.constant(Object.assign(Object.create(null) as object, { bare: true })),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
  fc.constant([1, , 3]), // eslint-disable-line no-sparse-arrays
)
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    odd,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
}))

describe('jsonClone (the memory store copy of session data)', () => {
  it('gives exactly what a JSON round trip gives, for plain and odd values alike', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), anyValue), (data) => {
        const copy = jsonClone(data)
        assert.deepEqual(copy, roundTrip(data))
        assert.equal(JSON.stringify(copy), JSON.stringify(data))
      }),
      { numRuns: 500 },
    )
  })

  it('shares no object with its input', () => {
    const data = { nested: { list: [{ a: 1 }] } }
    const copy = jsonClone(data) as typeof data
    copy.nested.list[0]!.a = 2
    assert.equal(data.nested.list[0]!.a, 1)
  })

  it('keeps a "__proto__" key as an own property, never as the prototype', () => {
    const copy = jsonClone(
      JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>,
    )
    assert.equal(Object.getPrototypeOf(copy), Object.prototype)
    assert.deepEqual(Object.keys(copy), ['__proto__'])
    assert.equal(({} as { polluted?: boolean }).polluted, undefined)
  })

  it('throws as JSON does for a cycle or a BigInt', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.throws(() => jsonClone(cyclic), TypeError)
    assert.throws(() => jsonClone({ n: 1n }), TypeError)
  })
})
