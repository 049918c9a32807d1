import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { randomId } from '../../../src/crypto/random.js'
import { tamperWith } from '../../../app/carrier-secrets.js'
import { loadSessionKeys, type CarrierName } from '../../../app/config.js'
import { runCli } from '../../helpers/cli.js'
import { startTestApp } from '../../helpers/test-app.js'
import { WebClient } from '../../helpers/web-client.js'

interface Out {
  kind: string
  verified: boolean
  explanation: string
  claims?: { sub?: string }
  content?: unknown
}

describe('tessera inspect', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-inspect-'))
  const { keys } = loadSessionKeys({}, dataDir)
  const cookies: Partial<Record<CarrierName, string | undefined>> = {}

  before(async () => {
    // What each real carrier puts in the browser, issued with the development key under dataDir.
    for (const carrier of ['server', 'cookie', 'token'] as const) {
      const app = await startTestApp({ carrier, store: 'sqlite', dataDir, keys })
      const form = { username: `fay-${carrier}`, password: 'correct horse battery' }
      await new WebClient(app.url).submit('/register', '/register', form)
      const client = new WebClient(app.url)
      await client.submit('/login', '/login', form)
      await app.close(true)
      cookies[carrier] = client.cookies.get('tessera')
    }
  })
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  const inspect = async (value: string) => {
    const r = await runCli(['inspect', value, '--data-dir', dataDir, '--json'])
    return { code: r.code, out: JSON.parse(r.stdout) as Out }
  }

  it('finds a live server-carrier session id in the store and names its user', async () => {
    const { code, out } = await inspect(cookies.server ?? '')
    assert.equal(code, 0)
    assert.equal(out.kind, 'session-id')
    assert.match(out.explanation, /live session of user [0-9a-f-]{36}/)
  })

  it('reports an unknown session id as not live (exit 1)', async () => {
    const r = await runCli(['inspect', `tessera=${randomId()}`, '--data-dir', dataDir])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /cookie tessera: 43 characters/)
    assert.match(r.stdout, /no live session/)
  })

  it('takes a session id that begins with "-" as the value, not as an option', async () => {
    const id = `-${randomId().slice(1)}`
    const r = await runCli(['inspect', id, '--data-dir', dataDir])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stdout, /43 characters/)
    assert.match(r.stdout, /no live session/)
  })

  it('decodes a token-carrier JWT and verifies it with the development key', async () => {
    const { code, out } = await inspect(cookies.token ?? '')
    assert.equal(code, 0, out.explanation)
    assert.equal(out.kind, 'jwt')
    assert.equal(out.verified, true)
    assert.match(out.claims?.sub ?? '', /^[0-9a-f-]{36}$/)
  })

  it('shows the claims of an edited JWT but refuses it (exit 1)', async () => {
    const [h, , s] = (cookies.token ?? '').split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${s}`
    const r = await runCli(['inspect', forged, '--data-dir', dataDir])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /does not match the configured keys/)
    assert.match(r.stdout, /"sub":"admin"/)
  })

  it('opens a sealed cookie-carrier value with the development key', async () => {
    const { code, out } = await inspect(`tessera=${cookies.cookie ?? ''}`)
    assert.equal(code, 0, out.explanation)
    assert.equal(out.kind, 'sealed')
    assert.match(JSON.stringify(out.content), /fay-cookie/)
  })

  it('refuses a sealed value with one character changed (exit 1)', async () => {
    const { code, out } = await inspect(`tessera=${tamperWith(cookies.cookie ?? '')}`)
    assert.equal(code, 1)
    assert.equal(out.verified, false)
    assert.equal(out.content, undefined)
  })

  it('exits 2 without a value', async () => {
    assert.equal((await runCli(['inspect'])).code, 2)
  })
})
