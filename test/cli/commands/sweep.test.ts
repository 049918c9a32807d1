import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../../helpers/cli.js'

describe('tessera sweep', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-sweep-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('sweeps a migrated SQLite store and reports counts as JSON, with no progress', async () => {
    assert.equal((await runCli(['migrate', '--data-dir', dataDir])).code, 0)
    const r = await runCli(['sweep', '--data-dir', dataDir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(out.store, 'sqlite')
    assert.equal(out.sessions, 0)
    assert.equal(out.refreshTokens, 0)
    assert.equal(r.stderr, '')
  })

  it('says what it did in plain text', async () => {
    const r = await runCli(['sweep', '--data-dir', dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /sessions: 0 expired deleted/)
  })

  it('exits 1 for a data directory that does not exist, naming it, and creates nothing', async () => {
    const typo = path.join(dataDir, 'typo')
    const r = await runCli(['sweep', '--data-dir', typo])
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`no SQLite database at ${path.join(typo, 'sessions.db')}`))
    assert.equal(existsSync(typo), false)
  })

  it('exits 2 for the memory store, which lives inside the app', async () => {
    const r = await runCli(['sweep', '--store', 'memory'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /memory store lives inside the app's process/)
  })
})
