import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runCli } from '../helpers/cli.js'

const COMMANDS = ['serve', 'key', 'sessions', 'inspect', 'sweep', 'migrate']

describe('tessera (the binary)', () => {
  it('prints the overview and exits 2 without a command', async () => {
    const r = await runCli([])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /usage: tessera <command>/)
  })

  it('prints the overview and exits 0 with --help', async () => {
    const r = await runCli(['--help'])
    assert.equal(r.code, 0)
    for (const name of COMMANDS) assert.match(r.stdout, new RegExp(`\\n  ${name} `))
  })

  for (const name of COMMANDS) {
    it(`prints help for "${name} --help" and exits 0`, async () => {
      const r = await runCli([name, '--help'])
      assert.equal(r.code, 0)
      assert.match(r.stdout, new RegExp(`^usage: tessera ${name}`))
    })
  }

  it('exits 2 on an unknown command, naming it', async () => {
    const r = await runCli(['frobnicate'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown command "frobnicate"/)
  })

  it('exits 2 on an unknown option, naming it', async () => {
    const r = await runCli(['sweep', '--colour'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--colour/)
  })
})
