import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseArgs } from 'node:util'
import { derivedKeyId, loadSessionKeys } from '../../../app/config.js'
import { dashedValuesAsPositionals } from '../../../cli/commands/output.js'
import { runCli } from '../../helpers/cli.js'
import { serviceUrl, uniqueName } from '../../helpers/services.js'
import { startTestApp } from '../../helpers/test-app.js'
import { WebClient } from '../../helpers/web-client.js'

interface Listing {
  userId: string
  sessions: { handle: string; userAgent: string | null }[]
}

describe('tessera sessions', () => {
  let dataDir: string
  let phoneHandleOnPage: string | undefined
  let close: () => Promise<void>
  before(async () => {
    // Two devices sign in through the real app, which then stops; the CLI reads its SQLite files.
    // The app uses the development key under the data dir, as the CLI does.
    dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-sessions-'))
    const app = await startTestApp({
      store: 'sqlite',
      dataDir,
      keys: loadSessionKeys({}, dataDir).keys,
    })
    const form = { username: 'erin', password: 'correct horse battery' }
    const laptop = new WebClient(app.url, 'laptop')
    await laptop.submit('/register', '/register', form)
    await laptop.submit('/login', '/login', form)
    await new WebClient(app.url, 'phone').submit('/login', '/login', form)
    const page = await laptop.get('/sessions')
    phoneHandleOnPage = /name="handle" value="([^"]+)"/.exec(page.body)?.[1]
    await app.close(true)
    close = () => app.close()
  })
  after(async () => close())

  const list = async () => {
    const r = await runCli(['sessions', 'list', '--user', 'erin', '--data-dir', dataDir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Listing
  }

  it('lists the sessions of a user (by username) without ids or hashes', async () => {
    const listing = await list()
    assert.deepEqual(listing.sessions.map((s) => s.userAgent).sort(), ['laptop', 'phone'])
    assert.ok(listing.sessions.every((s) => !('idHash' in s)))
  })

  it('shows the same handles as the "your sessions" page', async () => {
    assert.ok(phoneHandleOnPage)
    assert.ok((await list()).sessions.some((s) => s.handle === phoneHandleOnPage))
  })

  it('revokes one session by its handle, then the rest with --all', async () => {
    const [first] = (await list()).sessions
    assert.ok(first)
    const one = await runCli([
      'sessions',
      'revoke',
      '--user',
      'erin',
      '--data-dir',
      dataDir,
      first.handle,
    ])
    assert.equal(one.code, 0, one.stderr)
    assert.match(one.stdout, /revoked 1 session /)
    assert.equal((await list()).sessions.length, 1)
    const again = await runCli([
      'sessions',
      'revoke',
      '--user',
      'erin',
      '--data-dir',
      dataDir,
      first.handle,
    ])
    assert.equal(again.code, 1, 'an unknown handle is a failure')
    const all = await runCli([
      'sessions',
      'revoke',
      '--user',
      'erin',
      '--data-dir',
      dataDir,
      '--all',
      '--json',
    ])
    assert.equal(all.code, 0)
    assert.deepEqual(JSON.parse(all.stdout), { userId: (await list()).userId, revoked: 1 })
    assert.equal((await list()).sessions.length, 0)
  })

  const usage = [
    ['no --user', ['sessions', 'list']],
    ['no action', ['sessions', '--user', 'x']],
    ['revoke with neither --all nor a handle', ['sessions', 'revoke', '--user', 'x']],
    ['revoke with both', ['sessions', 'revoke', '--user', 'x', '--all', 'h']],
    ['an unknown store', ['sessions', 'list', '--user', 'x', '--store', 'mongo']],
  ] as const
  for (const [name, args] of usage) {
    it(`exits 2 for ${name}`, async () => {
      assert.equal((await runCli([...args, '--data-dir', dataDir])).code, 2)
    })
  }
})

describe('tessera sessions --user on a shared store', () => {
  const stores = [
    ['postgres', 'DATABASE_URL', serviceUrl('DATABASE_URL')],
    ['redis', 'REDIS_URL', serviceUrl('REDIS_URL')],
  ] as const
  for (const [store, variable, url] of stores) {
    if (url === undefined) continue
    it(`${store}: resolves a username from the accounts in ${store}, not from a data dir`, async () => {
      const key = randomBytes(32)
      const app = await startTestApp({
        store,
        ...(store === 'postgres' ? { databaseUrl: url } : { redisUrl: url }),
        keys: [{ id: derivedKeyId(key), key }],
      })
      const username = uniqueName('cli')
      try {
        const form = { username, password: 'correct horse battery' }
        const laptop = new WebClient(app.url, 'laptop')
        assert.equal((await laptop.submit('/register', '/register', form)).status, 303)
        assert.equal((await laptop.submit('/login', '/login', form)).location, '/profile')
      } finally {
        await app.close()
      }
      // Another data dir than the app's: the CLI finds the account where the sessions are.
      const cliDir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-shared-'))
      const r = await runCli(
        ['sessions', 'list', '--user', username, '--store', store, '--data-dir', cliDir, '--json'],
        { [variable]: url, TESSERA_SESSION_KEY: key.toString('base64url') },
      ).finally(() => rmSync(cliDir, { recursive: true, force: true }))
      assert.equal(r.code, 0, r.stderr)
      const listing = JSON.parse(r.stdout) as Listing
      assert.notEqual(listing.userId, username, 'the username maps to the account id')
      assert.deepEqual(
        listing.sessions.map((s) => s.userAgent),
        ['laptop'],
      )
    })
  }
})

describe('tessera sessions argument parsing', () => {
  it('takes a handle that begins with "-" as the handle, not an option', () => {
    const handle = '-gAbcdefghijklmnopqrst'
    assert.deepEqual(dashedValuesAsPositionals(['revoke', '--user', 'erin', handle, '--json']), [
      'revoke',
      '--user',
      'erin',
      '--json',
      '--',
      handle,
    ])
    assert.deepEqual(
      parseArgs({
        args: dashedValuesAsPositionals(['revoke', '--user', 'erin', handle]),
        options: { user: { type: 'string' } },
        allowPositionals: true,
      }).positionals,
      ['revoke', handle],
    )
    assert.deepEqual(dashedValuesAsPositionals(['revoke', '--', handle]), ['revoke', '--', handle])
    assert.deepEqual(dashedValuesAsPositionals(['list', '--user', 'erin']), [
      'list',
      '--user',
      'erin',
    ])
    // Options, even unknown ones, stay options so that parseArgs names them.
    assert.deepEqual(dashedValuesAsPositionals(['list', '--user-name-of-someone', '--json']), [
      'list',
      '--user-name-of-someone',
      '--json',
    ])
  })
})
