import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { httpStatusOf, publicMessageOf, toHttpError } from '../../src/adapters/http-status.js'
import { isTesseraError, TESSERA_ERROR_CODES, TesseraError } from '../../src/errors.js'
import { repoFile } from '../helpers/paths.js'

const doc = readFileSync(repoFile('docs/errors.md'), 'utf8')

describe('httpStatusOf', () => {
  for (const code of TESSERA_ERROR_CODES) {
    it(`answers ${code} with the status docs/errors.md gives it`, () => {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``)) ?? ''
      const documented = Number(/(\d{3})[^|]*\|\s*$/.exec(row)?.[1])
      assert.equal(httpStatusOf(code), documented)
    })
  }

  it('never answers a session or token code with a 5xx', () => {
    const noSession = TESSERA_ERROR_CODES.filter((c) =>
      /SESSION_(NOT_FOUND|EXPIRED)|TOKEN|JWT|SIGNATURE/.test(c),
    )
    for (const code of noSession) assert.equal(httpStatusOf(code), 401, code)
  })
})

describe('toHttpError', () => {
  it('keeps the code, sets the status and shows only the public message, not the stack', () => {
    const driver = new Error('connect ECONNREFUSED 10.0.0.5:5432')
    const err = toHttpError(
      new TesseraError('ERR_STORE_UNAVAILABLE', 'postgres query failed', { cause: driver }),
    ) as TesseraError & { status: number; expose: boolean }
    assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
    assert.equal(err.status, 503)
    assert.equal(err.message, publicMessageOf(503))
    assert.equal(err.stack, `TesseraError: ${publicMessageOf(503)}`)
    assert.doesNotMatch(err.stack, /ECONNREFUSED|10\.0\.0\.5|postgres/)
    assert.equal((err.cause as Error).cause, driver, 'the original stays reachable for logs')
  })

  it('passes other errors through unchanged', () => {
    const bug = new TypeError('x is undefined')
    assert.equal(toHttpError(bug), bug)
  })
})
