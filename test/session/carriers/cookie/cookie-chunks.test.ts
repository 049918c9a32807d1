import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MAX_COOKIE_BYTES } from '../../../../src/cookie/codec.js'
import { isTesseraError } from '../../../../src/errors.js'
import {
  checkChunkOptions,
  joinCookieChunks,
  presentChunkNames,
  splitCookieValue,
} from '../../../../src/session/carriers/cookie/cookie-chunks.js'

const NAME = '__Host-tessera'

function toJar(chunks: { name: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(chunks.map((c) => [c.name, c.value]))
}

describe('splitCookieValue', () => {
  it('keeps a value that fits in one cookie under its own name', () => {
    assert.deepEqual(splitCookieValue(NAME, 'abc', { maxChunks: 3 }), [
      { name: NAME, value: 'abc' },
    ])
  })

  it('splits a long value into numbered cookies of at most 4096 bytes each', () => {
    const value = 'x'.repeat(10_000)
    const chunks = splitCookieValue(NAME, value, { maxChunks: 3 })
    assert.deepEqual(
      chunks.map((c) => c.name),
      [`${NAME}.0`, `${NAME}.1`, `${NAME}.2`],
    )
    for (const c of chunks) assert.ok(c.name.length + c.value.length <= MAX_COOKIE_BYTES)
    assert.equal(joinCookieChunks(toJar(chunks), NAME, 3), value)
  })

  it('refuses with a clear error when the value needs more than maxChunks cookies', () => {
    assert.throws(
      () => splitCookieValue(NAME, 'x'.repeat(13_000), { maxChunks: 3 }),
      (err: unknown) =>
        isTesseraError(err, 'ERR_COOKIE_INVALID') && /more than maxChunks \(3\)/.test(String(err)),
    )
  })

  it('refuses a value over one cookie when chunking is off, never dropping it silently', () => {
    assert.throws(
      () => splitCookieValue(NAME, 'x'.repeat(MAX_COOKIE_BYTES), { maxChunks: 1 }),
      (err: unknown) =>
        isTesseraError(err, 'ERR_COOKIE_INVALID') && /chunking is off/.test(String(err)),
    )
  })

  it('round-trips any ASCII value that fits', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'ABCxyz019-_.~'), maxLength: 12_000 }),
        fc.integer({ min: 100, max: 4096 }),
        (value, maxCookieBytes) => {
          let chunks
          try {
            chunks = splitCookieValue(NAME, value, { maxChunks: 8, maxCookieBytes })
          } catch (err) {
            return isTesseraError(err, 'ERR_COOKIE_INVALID')
          }
          return (
            chunks.every((c) => c.name.length + c.value.length <= maxCookieBytes) &&
            joinCookieChunks(toJar(chunks), NAME, 8) === value
          )
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('joinCookieChunks', () => {
  const chunks = splitCookieValue(NAME, 'y'.repeat(9000), { maxChunks: 3 })

  it('returns null when no cookie of that name is present', () => {
    assert.equal(joinCookieChunks({ other: 'x' }, NAME, 3), null)
  })

  it('stops at the first missing chunk, so a gap yields a shorter value that will not unseal', () => {
    const jar = toJar(chunks)
    delete jar[`${NAME}.1`]
    assert.equal(joinCookieChunks(jar, NAME, 3), chunks[0]!.value)
  })

  it('returns null when a chunk or the single cookie comes twice with different values', () => {
    const jar = { ...toJar(chunks), [`${NAME}.1`]: [chunks[1]!.value, 'tossed'] }
    assert.equal(joinCookieChunks(jar, NAME, 3), null)
    assert.equal(joinCookieChunks({ [NAME]: ['a', 'b'] }, NAME, 3), null)
    const same = { ...toJar(chunks), [`${NAME}.0`]: [chunks[0]!.value, chunks[0]!.value] }
    assert.equal(joinCookieChunks(same, NAME, 3), chunks.map((c) => c.value).join(''))
  })

  it('returns null when a request carries more chunks than the limit', () => {
    const jar = { ...toJar(chunks), [`${NAME}.3`]: 'extra' }
    assert.equal(joinCookieChunks(jar, NAME, 3), null)
  })
})

describe('presentChunkNames', () => {
  it('lists the single cookie and every chunk the request carries', () => {
    assert.deepEqual(
      presentChunkNames({ [NAME]: 'a', [`${NAME}.0`]: 'b', [`${NAME}.2`]: 'c' }, NAME),
      [NAME, `${NAME}.0`, `${NAME}.2`],
    )
  })
})

describe('checkChunkOptions', () => {
  for (const bad of [0, 9, 1.5, Number.NaN]) {
    it(`refuses maxChunks ${bad}`, () => {
      assert.throws(
        () => checkChunkOptions(bad),
        (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
      )
    })
  }
})
