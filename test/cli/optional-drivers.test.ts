// The database drivers are optional peer dependencies: a command loads one only when it opens
// the store that needs it. Each command runs in a child node with a preload that records every
// package the process loaded (test/helpers/record-packages.ts).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../helpers/cli.js'
import { repoFile } from '../helpers/paths.js'

const PRELOAD = repoFile('dist/test/helpers/record-packages.js')
const DRIVERS = ['better-sqlite3', 'pg', 'redis', '@redis/client']

describe('optional drivers load only when used', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-drivers-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  let runs = 0

  /** The packages `tessera ...args` loaded, after asserting it exited 0. */
  async function packagesLoadedBy(args: readonly string[]): Promise<string[]> {
    const record = path.join(dir, `run-${++runs}.txt`)
    const r = await runCli(args, { TESSERA_RECORD_PACKAGES: record }, undefined, [
      '--import',
      PRELOAD,
    ])
    assert.equal(r.code, 0, r.stderr)
    return readFileSync(record, 'utf8').split('\n').filter(Boolean)
  }

  it('the recorder sees each driver a process loads (so its silence below means something)', () => {
    const record = path.join(dir, 'control.txt')
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        PRELOAD,
        '--input-type=module',
        '-e',
        "await import('better-sqlite3'); await import('pg'); await import('redis')",
      ],
      { cwd: repoFile('.'), env: { ...process.env, TESSERA_RECORD_PACKAGES: record } },
    )
    assert.equal(r.status, 0, String(r.stderr))
    const loaded = readFileSync(record, 'utf8').split('\n')
    for (const driver of DRIVERS) assert.ok(loaded.includes(driver), `${driver} not recorded`)
  })

  for (const args of [
    ['--help'],
    ['key', 'generate'],
    ['sweep', '--help'],
    ['migrate', '--store', 'memory'],
  ]) {
    it(`"tessera ${args.join(' ')}" loads no database driver`, async () => {
      const loaded = await packagesLoadedBy(args)
      assert.deepEqual(
        loaded.filter((name) => DRIVERS.includes(name)),
        [],
      )
    })
  }

  it('"tessera sweep --store sqlite" loads better-sqlite3, and neither pg nor redis', async () => {
    // sweep opens an existing store only: make it first.
    assert.equal((await runCli(['migrate', '--store', 'sqlite', '--data-dir', dir])).code, 0)
    const loaded = await packagesLoadedBy(['sweep', '--store', 'sqlite', '--data-dir', dir])
    assert.deepEqual(
      loaded.filter((name) => DRIVERS.includes(name)),
      ['better-sqlite3'],
    )
  })
})
