import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { batched } from '../../src/stores/batch.js'

/** A batched identity-ish runner that records the batches it was given. */
function recording(fail?: Error) {
  const runs: string[][] = []
  const call = batched<string, string>(
    async (items) => {
      runs.push([...items])
      if (fail !== undefined) throw fail
      return items.map((i) => i.toUpperCase())
    },
    (item) => item.split(':')[0]!,
    3,
  )
  return { runs, call }
}

describe('batched', () => {
  it('runs the calls of one turn together and gives each caller its own result', async () => {
    const { runs, call } = recording()
    assert.deepEqual(await Promise.all([call('a'), call('b'), call('c')]), ['A', 'B', 'C'])
    assert.deepEqual(runs, [['a', 'b', 'c']])
  })

  it('calls of later turns make later batches', async () => {
    const { runs, call } = recording()
    await call('a')
    await call('b')
    assert.deepEqual(runs, [['a'], ['b']])
  })

  it('never puts two items with the same key in one batch', async () => {
    const { runs, call } = recording()
    const results = await Promise.all([call('x:1'), call('y'), call('x:2'), call('x:3')])
    assert.deepEqual(results, ['X:1', 'Y', 'X:2', 'X:3'])
    assert.deepEqual(runs, [['x:1', 'y'], ['x:2'], ['x:3']])
  })

  it('holds at most maxBatch items to a batch', async () => {
    const { runs, call } = recording()
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(call))
    assert.deepEqual(runs, [
      ['a', 'b', 'c'],
      ['d', 'e'],
    ])
  })

  it('rejects every caller of a failed batch with its error', async () => {
    const boom = new Error('down')
    const { call } = recording(boom)
    const settled = await Promise.allSettled([call('a'), call('b')])
    assert.deepEqual(
      settled.map((s) => (s.status === 'rejected' ? s.reason : s.value)),
      [boom, boom],
    )
  })
})
