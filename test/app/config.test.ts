import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { isTesseraError } from 'tessera-session'
import expressApp from 'express'
import { devKeyPath, loadConfig, SESSION_KEY_VARIABLE, trustProxyOption } from '../../app/config.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-config-'))
  dirs.push(dir)
  return dir
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function refuses(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) =>
      isTesseraError(err, 'ERR_CONFIG_INVALID') && pattern.test((err as Error).message),
  )
}

describe('loadConfig', () => {
  it('defaults to the server carrier, SQLite, 127.0.0.1:3000', () => {
    const config = loadConfig(['--data-dir', tempDir()], {})
    assert.equal(config.carrier, 'server')
    assert.equal(config.store, 'sqlite')
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.port, 3000)
    assert.equal(config.scryptLogN, 17)
  })

  it('takes the carrier from --carrier or TESSERA_CARRIER, the flag winning', () => {
    const dir = tempDir()
    assert.equal(loadConfig(['--data-dir', dir], { TESSERA_CARRIER: 'token' }).carrier, 'token')
    assert.equal(
      loadConfig(['--data-dir', dir, '--carrier', 'cookie'], { TESSERA_CARRIER: 'token' }).carrier,
      'cookie',
    )
  })

  const bad = [
    ['an unknown carrier', ['--carrier', 'jwt'], /--carrier must be one of cookie, server, token/],
    ['an unknown store', ['--store', 'mongo'], /--store must be one of/],
    ['a port that is not a number', ['--port', 'eighty'], /--port/],
    ['redis without REDIS_URL', ['--store', 'redis'], /REDIS_URL/],
    ['postgres without DATABASE_URL', ['--store', 'postgres'], /DATABASE_URL/],
  ] as const
  for (const [name, argv, pattern] of bad) {
    it(`fails fast on ${name}, naming the option`, () =>
      refuses(() => loadConfig([...argv], {}), pattern))
  }

  it('trusts no proxy unless told, then takes --trust-proxy or TESSERA_TRUST_PROXY, the flag winning', () => {
    const dir = tempDir()
    assert.equal(loadConfig(['--data-dir', dir], {}).trustProxy, false)
    assert.equal(loadConfig(['--data-dir', dir], { TESSERA_TRUST_PROXY: '2' }).trustProxy, 2)
    assert.equal(
      loadConfig(['--data-dir', dir, '--trust-proxy', '10.0.0.0/8,loopback'], {
        TESSERA_TRUST_PROXY: '1',
      }).trustProxy,
      '10.0.0.0/8, loopback',
    )
  })

  for (const [value, pattern] of [
    ['true', /--trust-proxy true would let any client choose its own address/],
    ['0', /--trust-proxy hop count must be from 1 to 32/],
    ['nginx.internal', /--trust-proxy must be .*"nginx.internal" is none of these/],
    ['10.0.0.0/33', /"10.0.0.0\/33"/],
    ['10.0.0.1,,loopback', /--trust-proxy must be/],
  ] as const) {
    it(`refuses --trust-proxy ${value} at startup, naming the option`, () => {
      refuses(() => loadConfig(['--data-dir', tempDir(), '--trust-proxy', value], {}), pattern)
      refuses(() => loadConfig(['--data-dir', tempDir()], { TESSERA_TRUST_PROXY: value }), pattern)
    })
  }

  it('accepts exactly the trust proxy lists Express accepts', () => {
    const lists = [
      'loopback',
      'linklocal, uniquelocal',
      '203.0.113.7',
      '10.0.0.0/8, 192.168.0.0/16, ::1',
      '10.0.0.0/255.0.0.0',
      'fd00::/8',
      '::ffff:10.0.0.1/120',
      '10.0.0.0/255.0.255.0',
      '10.0.0.0/40',
      '::1/129',
      '300.1.1.1',
      'example.com',
      '10.0.0.1/8/8',
      'loopback,',
    ]
    for (const list of lists) {
      let express = true
      try {
        expressApp().set('trust proxy', list)
      } catch {
        express = false
      }
      let ours = true
      try {
        trustProxyOption(list)
      } catch {
        ours = false
      }
      assert.equal(ours, express, `"${list}": ours ${ours}, Express ${express}`)
    }
  })

  it('refuses an unknown option', () => {
    assert.throws(() => loadConfig(['--carier', 'cookie'], {}), /--carier/)
  })

  it('refuses to start in production without a key, naming TESSERA_SESSION_KEY', () => {
    const dir = tempDir()
    refuses(
      () => loadConfig(['--data-dir', dir], { NODE_ENV: 'production' }),
      /set TESSERA_SESSION_KEY/,
    )
  })

  it('refuses a key shorter than 32 bytes, without printing it', () => {
    const short = randomBytes(16).toString('base64url')
    assert.throws(
      () => loadConfig(['--data-dir', tempDir()], { [SESSION_KEY_VARIABLE]: short }),
      (err: Error) => /at least 32/.test(err.message) && !err.message.includes(short),
    )
  })

  it('uses the key from the environment in production', () => {
    const key = randomBytes(32)
    const config = loadConfig(['--data-dir', tempDir()], {
      NODE_ENV: 'production',
      [SESSION_KEY_VARIABLE]: key.toString('base64url'),
    })
    assert.deepEqual(config.keys[0]?.key, key)
  })

  it('creates a development key file with mode 0600 on first run and reuses it', () => {
    const dir = tempDir()
    const first = loadConfig(['--data-dir', dir], {})
    assert.equal(statSync(devKeyPath(dir)).mode & 0o777, 0o600)
    const second = loadConfig(['--data-dir', dir], {})
    assert.deepEqual(second.keys, first.keys)
    assert.equal(first.keys[0]?.key.length, 32)
  })
})
