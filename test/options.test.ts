import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { isTesseraError } from '../src/errors.js'
import {
  describeValue,
  integerOption,
  intervalSeconds,
  oneOf,
  positiveInteger,
  positiveNumber,
  stringOption,
} from '../src/options.js'
import { createSessionManager } from '../src/session/manager.js'
import { createMemoryStore } from '../src/stores/memory.js'
import { createSqliteStore } from '../src/stores/sqlite.js'
import { sessionRecord } from '../src/testing/fixtures.js'
import { testKeys } from './helpers/session.js'

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(isTesseraError(err, 'ERR_CONFIG_INVALID'), String(err))
    return err.message
  }
  assert.fail('expected ERR_CONFIG_INVALID')
}

describe('option checks', () => {
  it('name the option, the expected shape and the number found', () => {
    assert.equal(
      refusal(() => integerOption({ n: 9 }, 'n', 1, { min: 1, max: 8 })),
      'n must be an integer from 1 to 8, got 9',
    )
    assert.equal(
      refusal(() => positiveInteger({ idleTimeoutSeconds: 0 }, 'idleTimeoutSeconds', 1800)),
      'idleTimeoutSeconds must be a positive integer, got 0',
    )
    assert.equal(
      refusal(() => positiveNumber({ t: 61 }, 't', 1, 60)),
      't must be a number above 0 and at most 60, got 61',
    )
    assert.equal(
      refusal(() => intervalSeconds({ every: -1 }, 'every', 60)),
      'every must be an integer from 0 to 2147483, got -1',
    )
  })

  it('name only the type of a wrong value that is not a number, so a secret never reaches a log', () => {
    const secret = 'k3y-that-must-not-leak-0123456789abcdef'
    const messages = [
      refusal(() => positiveInteger({ n: secret }, 'n', 1)),
      refusal(() => oneOf({ mode: secret }, 'mode', 'a', ['a', 'b'])),
      refusal(() => stringOption({ name: secret }, 'name', 'x', { pattern: /^x$/, shape: 'x' })),
      refusal(() => stringOption({ name: secret.repeat(10) }, 'name', 'x')),
    ]
    for (const message of messages) {
      assert.doesNotMatch(message, /k3y/)
      assert.match(message, /got a string$/)
    }
    assert.equal(
      messages[1],
      "mode must be 'a' or 'b', got a string",
      'oneOf lists the allowed values',
    )
  })

  it('describe what was found by its type', () => {
    assert.deepEqual(
      [null, undefined, [], {}, () => 1, 1n, Symbol('s'), true, Number.NaN].map(describeValue),
      [
        'null',
        'undefined',
        'an array',
        'an object',
        'a function',
        'a bigint',
        'a symbol',
        'true',
        'NaN',
      ],
    )
  })

  it('take the default when the option is absent, and the value when it is valid', () => {
    assert.equal(positiveInteger({}, 'n' as never, 7), 7)
    assert.equal(positiveInteger({ n: 3 }, 'n', 7), 3)
    assert.equal(intervalSeconds({ every: 0 }, 'every', 60), 0)
    assert.equal(oneOf({ secure: false }, 'secure', 'auto', ['auto', true, false]), false)
  })

  it('refuse a session manager option through the same messages', () => {
    const message = refusal(() =>
      createSessionManager({
        carrier: 'server',
        store: createMemoryStore(),
        keys: testKeys(),
        storeTimeoutSeconds: 0,
      }),
    )
    assert.equal(message, 'storeTimeoutSeconds must be a number above 0 and at most 60, got 0')
  })
})

describe('sweepIntervalSeconds: 0 turns the sweep off in every store', () => {
  it('memory: accepted, and records are still hidden once expired', async () => {
    const store = createMemoryStore({ sweepIntervalSeconds: 0 })
    const record = sessionRecord({ expiresAt: Date.now() - 1 })
    await store.sessions.create(record)
    assert.equal(await store.sessions.get(record.idHash), null)
    await store.close?.()
  })

  it('sqlite: accepted, and deleteExpired still removes what has expired', async () => {
    const store = createSqliteStore({ database: new Database(':memory:'), sweepIntervalSeconds: 0 })
    const record = sessionRecord({ expiresAt: Date.now() + 1000 })
    await store.sessions.create(record)
    assert.equal(await store.sessions.deleteExpired(Date.now() + 2000), 1)
    await store.close?.()
  })

  for (const bad of [-1, 1.5]) {
    it(`memory and sqlite refuse ${bad}`, () => {
      refusal(() => createMemoryStore({ sweepIntervalSeconds: bad }))
      refusal(() =>
        createSqliteStore({ database: new Database(':memory:'), sweepIntervalSeconds: bad }),
      )
    })
  }
})
