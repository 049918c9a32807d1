import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../../helpers/cli.js'

describe('tessera sweep', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-sweep-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('sweeps the SQLite store and reports counts as JSON', async () => {
    const r = await runCli(['sweep', '--data-dir', dataDir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(out.store, 'sqlite')
    assert.equal(out.sessions, 0)
    assert.equal(out.refreshTokens, 0)
  })

  it('says what it did in plain text', async () => {
    const r = await runCli(['sweep', '--store', 'memory'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /sessions: 0 expired deleted/)
  })
})
