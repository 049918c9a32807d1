import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { CLI_PATH, runCli } from '../../helpers/cli.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-serve-'))
  dirs.push(dir)
  return dir
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('tessera serve', () => {
  it('serves the app until SIGTERM, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--port', '0', '--store', 'memory', '--data-dir', tempDir()],
      {
        env: { PATH: process.env.PATH ?? '', TESSERA_SCRYPT_LOG_N: '10' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString()
          const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (match?.[1] !== undefined) resolve(match[1])
        })
        child.on('close', () => reject(new Error(`exited before listening: ${out}`)))
      })
      const health = await fetch(`${url}/healthz`)
      assert.equal(health.status, 200)
      assert.equal(((await health.json()) as { status: string }).status, 'ok')
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0)
  })

  it('exits 2 on an unknown carrier, naming --carrier', async () => {
    const r = await runCli(['serve', '--carrier', 'jwt', '--data-dir', tempDir()])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--carrier must be one of cookie, server, token/)
  })

  it('exits 2 on a --trust-proxy Express would not accept, naming --trust-proxy', async () => {
    const r = await runCli(['serve', '--trust-proxy', 'proxy.internal', '--data-dir', tempDir()])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--trust-proxy must be .*"proxy.internal"/)
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
  })

  it('refuses to start in production without a key, naming TESSERA_SESSION_KEY', async () => {
    const r = await runCli(['serve', '--port', '0', '--data-dir', tempDir()], {
      NODE_ENV: 'production',
    })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /TESSERA_SESSION_KEY/)
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
  })
})
