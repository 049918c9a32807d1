import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fakeClock } from '../../src/testing/store-conformance.js'
import { repoFile } from '../helpers/paths.js'

describe('testStore', () => {
  const faults = [
    ['shares the records it returns', 'keeps its own copy'],
    ['ignores the expected version', 'replace with a stale version returns false'],
    ['returns expired records', 'never returns an expired record'],
    ['lets every use be the first', 'exactly one of many concurrent use calls'],
  ] as const
  for (const [fault, failingCase] of faults) {
    it(`fails a store that ${fault}, in the case "${failingCase}…"`, () => {
      const child = spawnSync(
        process.execPath,
        ['--test', '--test-reporter=spec', repoFile('dist/test/helpers/broken-stores.js')],
        // Without NODE_TEST_CONTEXT the child reports on its own instead of to this test run.
        {
          env: { ...process.env, NODE_TEST_CONTEXT: undefined, BROKEN_STORE: fault },
          timeout: 60_000,
        },
      )
      const output = child.stdout.toString()
      assert.notEqual(child.status, 0, 'the suite passed a broken store')
      const failed = output.split('\n').filter((line) => line.includes('✖'))
      assert.ok(
        failed.some((line) => line.includes(failingCase)),
        `expected a failure in "${failingCase}", got:\n${failed.join('\n')}`,
      )
    })
  }
})

describe('testStore skipCases', () => {
  it('fails when a skipped title names no case', () => {
    const child = spawnSync(
      process.execPath,
      ['--test', '--test-reporter=spec', repoFile('dist/test/helpers/broken-stores.js')],
      {
        env: { ...process.env, NODE_TEST_CONTEXT: undefined, SKIP_UNKNOWN_CASE: '1' },
        timeout: 60_000,
      },
    )
    assert.notEqual(child.status, 0)
    assert.match(child.stdout.toString(), /✖ skipCases names only cases that exist/)
  })
})

describe('fakeClock', () => {
  it('moves only when told to', () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1))
    assert.equal(clock.now(), Date.UTC(2025, 0, 1))
    clock.advanceSeconds(90)
    clock.advanceMs(5)
    assert.equal(clock.now(), Date.UTC(2025, 0, 1) + 90_005)
    clock.set(7)
    assert.equal(clock.now(), 7)
  })
})
