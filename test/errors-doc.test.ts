import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { isTesseraError, TESSERA_ERROR_CODES, TesseraError } from '../src/errors.js'
import { repoFile } from './helpers/paths.js'

const doc = readFileSync(repoFile('docs/errors.md'), 'utf8')
const documented = new Set([...doc.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]))

describe('docs/errors.md', () => {
  it('documents every TesseraErrorCode', () => {
    const missing = TESSERA_ERROR_CODES.filter((code) => !documented.has(code))
    assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`)
  })
  it('documents no code that TesseraErrorCode lacks', () => {
    const extra = [...documented].filter(
      (c) => !(TESSERA_ERROR_CODES as readonly string[]).includes(c!),
    )
    assert.deepEqual(extra, [], `docs/errors.md lists unknown codes: ${extra.join(', ')}`)
  })
  it('gives every code a meaning, a cause and an HTTP status', () => {
    for (const code of TESSERA_ERROR_CODES) {
      const row =
        doc.split('\n').find((line) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(line)) ?? ''
      const cells = row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
      assert.equal(cells.length, 4, `${code}: expected 4 cells`)
      assert.ok(
        cells.every((c) => c.length > 0),
        `${code}: a cell is empty`,
      )
      assert.match(cells[3]!, /^\d{3}\b/, `${code}: the status must start with a 3-digit code`)
    }
  })
})

describe('TesseraError', () => {
  it('carries its code, name and cause', () => {
    const cause = new Error('ECONNREFUSED')
    const err = new TesseraError('ERR_STORE_UNAVAILABLE', 'redis GET failed', { cause })
    assert.equal(err.name, 'TesseraError')
    assert.equal(err.code, 'ERR_STORE_UNAVAILABLE')
    assert.equal(err.cause, cause)
    assert.ok(err instanceof Error)
  })
  it('is recognised by isTesseraError by name and code, across copies of the package', () => {
    const foreign = { name: 'TesseraError', code: 'ERR_JWT_EXPIRED', message: 'x' }
    assert.equal(isTesseraError(foreign), true)
    assert.equal(isTesseraError(foreign, 'ERR_JWT_EXPIRED'), true)
    assert.equal(isTesseraError(foreign, 'ERR_SIGNATURE_INVALID'), false)
    assert.equal(isTesseraError({ name: 'TesseraError', code: 'ERR_MADE_UP' }), false)
    assert.equal(isTesseraError(new Error('x')), false)
    assert.equal(isTesseraError(null), false)
  })
})
