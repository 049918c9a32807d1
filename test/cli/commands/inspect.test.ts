import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { randomId } from 'tessera'
import { signJwt } from 'tessera/jwt'
import { loadSessionKeys } from '../../../app/config.js'
import { runCli } from '../../helpers/cli.js'
import { startTestApp } from '../../helpers/test-app.js'
import { WebClient } from '../../helpers/web-client.js'

describe('tessera inspect', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-inspect-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))
  const { keys } = loadSessionKeys({}, dataDir)
  const key = keys[0]!
  const now = Math.floor(Date.now() / 1000)
  const token = signJwt({ sub: 'u1', iat: now, exp: now + 600 }, [{ id: key.id, key: key.key, alg: 'HS256' }])

  it('decodes a JWT and verifies it with the development key', async () => {
    const r = await runCli(['inspect', token, '--data-dir', dataDir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as { kind: string; verified: boolean; claims: { sub: string } }
    assert.equal(out.kind, 'jwt')
    assert.equal(out.verified, true)
    assert.equal(out.claims.sub, 'u1')
  })

  it('reports an edited JWT as not verified and exits 1', async () => {
    const [h, , s] = token.split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', iat: now, exp: now + 600 })).toString('base64url')}.${s}`
    const r = await runCli(['inspect', forged, '--data-dir', dataDir])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /does not match any configured key/)
    assert.match(r.stdout, /"sub":"admin"/)
  })

  it('explains a session id and reports an unknown one as not live (exit 1)', async () => {
    const r = await runCli(['inspect', `tessera=${randomId()}`, '--data-dir', dataDir])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /cookie tessera: 43 characters/)
    assert.match(r.stdout, /256 random bits/)
    assert.match(r.stdout, /no live session/)
  })

  it('finds a live session id in the SQLite store and names its user', async () => {
    const app = await startTestApp({ store: 'sqlite', dataDir, keys })
    const client = new WebClient(app.url)
    await client.submit('/register', '/register', { username: 'fay', password: 'correct horse battery' })
    await app.close(true)
    const id = client.cookies.get('tessera')
    assert.ok(id)
    const r = await runCli(['inspect', id, '--data-dir', dataDir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as { kind: string; verified: boolean; explanation: string }
    assert.equal(out.kind, 'session-id')
    assert.equal(out.verified, true)
    assert.match(out.explanation, /live session of user [0-9a-f-]{36} in the sqlite store/)
  })

  it('exits 2 without a value', async () => {
    assert.equal((await runCli(['inspect'])).code, 2)
  })
})
