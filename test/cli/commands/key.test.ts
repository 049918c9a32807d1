import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runCli } from '../../helpers/cli.js'

describe('tessera key generate', () => {
  it('prints 32 random bytes as base64url by default', async () => {
    const a = await runCli(['key', 'generate'])
    const b = await runCli(['key', 'generate'])
    assert.equal(a.code, 0)
    assert.match(a.stdout, /^[A-Za-z0-9_-]{43}\n$/)
    assert.notEqual(a.stdout, b.stdout)
  })

  it('prints a private JWK for --alg EdDSA', async () => {
    const r = await runCli(['key', 'generate', '--alg', 'EdDSA'])
    assert.equal(r.code, 0)
    const jwk = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(jwk.kty, 'OKP')
    assert.equal(jwk.crv, 'Ed25519')
    assert.equal(jwk.alg, 'EdDSA')
    assert.equal(typeof jwk.d, 'string')
    assert.equal(typeof jwk.kid, 'string')
  })

  it('prints { alg, kid, key } with --alg HS256 --json', async () => {
    const r = await runCli(['key', 'generate', '--alg', 'HS256', '--json'])
    assert.equal(r.code, 0)
    const out = JSON.parse(r.stdout) as { alg: string; key: string }
    assert.equal(out.alg, 'HS256')
    assert.equal(Buffer.from(out.key, 'base64url').length, 32)
  })

  it('exits 2 on an unknown algorithm, and never accepts "none"', async () => {
    for (const alg of ['none', 'HS1']) {
      const r = await runCli(['key', 'generate', '--alg', alg])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /--alg must be one of/)
    }
  })

  it('exits 2 without "generate"', async () => {
    assert.equal((await runCli(['key'])).code, 2)
  })
})
