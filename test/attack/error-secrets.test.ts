// Attack suite: a misconfiguration's error never repeats the secret it was given. Startup errors
// end up in logs, crash reports and CI output; a key pasted into the wrong option must not follow
// them there. Each case puts one known secret where a hurried developer might, and the error's
// message, its String(), its inspection and its whole cause chain must not contain it in any
// encoding.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { describe, it } from 'node:test'
import { loadSessionKeys } from '../../app/config.js'
import { session } from '../../src/adapters/express.js'
import { session as koaSession } from '../../src/adapters/koa.js'
import { createSessions } from '../../src/adapters/web.js'
import { signJwt } from '../../src/jwt/sign.js'
import { verifyJwt } from '../../src/jwt/verify.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import type { SessionEvent } from '../../src/session/request-session.js'
import { guardSessionReads, slotOnSelf } from '../../src/adapters/core.js'
import { instrument } from '../helpers/session.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { createSessionInspector } from '../../src/session/inspect.js'
import { createSessionManager } from '../../src/session/manager.js'
import { createMemoryStore } from '../../src/stores/memory.js'

const BYTES = randomBytes(32)
const SECRET = BYTES.toString('base64url')
/** Every way the secret could be written into a message. */
const FORMS = [
  SECRET,
  BYTES.toString('hex'),
  BYTES.toString('base64'),
  BYTES.toString('latin1'),
  SECRET.slice(0, 16),
  SECRET.slice(-16),
]

const store = createMemoryStore()
const server = (keys: unknown) => () =>
  createSessionManager({ carrier: 'server', store, keys: keys as never })

const misconfigurations: [string, () => unknown][] = [
  ['keys: [secret] (a bare string for { id, key })', server([SECRET])],
  ['keys: [bytes]', server([BYTES])],
  ['keys: secret (not a list)', server(SECRET)],
  ['keys: bytes (not a list)', server(BYTES)],
  ['keys: [{ id, key: secret }, secret]', server([{ id: 'a', key: SECRET }, SECRET])],
  ['keys: [{ key: secret }] (no id)', server([{ key: SECRET }])],
  [
    'keys: [{ id: secret, key: secret }] with a space',
    server([{ id: `${SECRET} x`, key: SECRET }]),
  ],
  ['a passphrase as the key', server([{ id: 'a', key: `my ${SECRET}` }])],
  ['a truncated key', server([{ id: 'a', key: SECRET.slice(0, 30) }])],
  ['truncated bytes', server([{ id: 'a', key: BYTES.subarray(0, 20) }])],
  ['the secret as alg', server([{ id: 'a', key: SECRET, alg: SECRET }])],
  ['a secret bound to RS256', server([{ id: 'a', key: SECRET, alg: 'RS256' }])],
  ['a secret bound to HS512 (too short)', server([{ id: 'a', key: SECRET, alg: 'HS512' }])],
  ['only JWS keys', server([{ id: 'a', key: SECRET, alg: 'HS256' }].slice(1))],
  ['the secret as the key object', server([{ id: 'a', key: { secret: SECRET } }])],
  [
    'jwtKeys: [secret]',
    () =>
      createSessionManager({
        carrier: 'token',
        store,
        keys: [{ id: 'a', key: SECRET }],
        jwtKeys: [SECRET as never],
      }),
  ],
  [
    'jwtKeys without alg',
    () =>
      createSessionManager({
        carrier: 'token',
        store,
        keys: [{ id: 'a', key: BYTES }],
        jwtKeys: [{ id: 'j', key: SECRET }],
      }),
  ],
  [
    'the secret as cookieName',
    () =>
      createSessionManager({
        carrier: 'cookie',
        keys: [{ id: 'a', key: SECRET }],
        cookieName: `${SECRET}=`,
      }),
  ],
  [
    'Express session({ keys: [secret] })',
    () => session({ carrier: 'cookie', keys: [SECRET as never] }),
  ],
  ['createKeyring([secret])', () => createKeyring([SECRET as never])],
  ['createSessionInspector([secret])', () => createSessionInspector([SECRET as never])],
  [
    'the app: a truncated TESSERA_SESSION_KEY',
    () => loadSessionKeys({ TESSERA_SESSION_KEY: SECRET.slice(0, 30) }, '/nonexistent'),
  ],
  [
    'the app: a passphrase TESSERA_SESSION_KEY',
    () => loadSessionKeys({ TESSERA_SESSION_KEY: `my ${SECRET}` }, '/nonexistent'),
  ],
  // Unknown options: only names are shown, never a value, and not a name that is a secret.
  [
    'session({ secret }) (express-session’s name)',
    () =>
      session({
        carrier: 'server',
        store,
        keys: [{ id: 'a', key: BYTES }],
        secret: SECRET,
      } as never),
  ],
  [
    'session({ cookie: { secret } })',
    () =>
      koaSession({
        carrier: 'server',
        store,
        keys: [{ id: 'a', key: BYTES }],
        cookie: { secret: SECRET },
      } as never),
  ],
  [
    'the secret as an option name',
    () =>
      createSessions({
        carrier: 'server',
        store,
        keys: [{ id: 'a', key: BYTES }],
        [SECRET]: 1,
      } as never),
  ],
  [
    'the secret as a short option name',
    () =>
      session({
        carrier: 'server',
        store,
        keys: [{ id: 'a', key: BYTES }],
        [SECRET.slice(0, 20)]: 1,
      } as never),
  ],
  [
    'createRedisStore({ url }) with a password',
    () => createRedisStore({ url: `redis://:${SECRET}@h` } as never),
  ],
  [
    'createPostgresStore({ connectionString }) with a password',
    () => createPostgresStore({ connectionString: `postgres://u:${SECRET}@h/db` } as never),
  ],
  [
    'createSqliteStore({ key })',
    () => createSqliteStore({ path: ':memory:', key: SECRET } as never),
  ],
  [
    'signJwt(claims, keys, { secret })',
    () => signJwt({ sub: 'u' }, [], { secret: SECRET } as never),
  ],
  ['verifyJwt(token, keys, { key })', () => verifyJwt('a.b.c', [], { key: SECRET } as never)],
  [
    'a session read before its middleware ran',
    () => {
      const request = Object.create(guardedPrototype) as object
      return (request as { session?: unknown }).session
    },
  ],
]

/** A request prototype with the not-mounted accessor, in an "app" that mounts a middleware. */
const guardedPrototype = {}
const middleware = () => {}
guardSessionReads(guardedPrototype, middleware, () => true, 'mounted too late', slotOnSelf)

/** Everything an error shows: message, String(), inspection, and the same for every cause. */
function everythingShown(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e != null && depth < 10; depth++) {
    parts.push(String(e), inspect(e, { depth: 5 }))
    if (e instanceof Error) parts.push(e.message, e.stack ?? '')
    e = (e as { cause?: unknown }).cause
  }
  return parts.join('\n')
}

describe('attack: no secret in any error', () => {
  for (const [name, misconfigure] of misconfigurations) {
    it(`security: ${name} is refused without showing the secret`, () => {
      let thrown: unknown = null
      try {
        misconfigure()
      } catch (err) {
        thrown = err
      }
      assert.ok(thrown !== null, 'the misconfiguration is refused')
      assert.ok(isTesseraError(thrown), `a TesseraError, not ${String(thrown).slice(0, 40)}`)
      const shown = everythingShown(thrown)
      for (const form of FORMS) assert.ok(!shown.includes(form), `the error shows the secret`)
    })
  }

  it('security: ready() that fails shows no key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-secret-ready-'))
    try {
      const sqlite = createSqliteStore({ path: path.join(dir, 's.db') })
      const sessions = session({
        carrier: 'server',
        store: sqlite,
        keys: [{ id: 'a', key: SECRET }],
      })
      await sqlite.close?.()
      const err = await sessions.ready().then(
        () => null,
        (e: unknown) => e,
      )
      assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
      const shown = everythingShown(err)
      for (const form of FORMS) assert.ok(!shown.includes(form), 'the error shows the secret')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('security: a commit-failed event and its error show no key and no session data', async () => {
    const failing = instrument(createMemoryStore())
    const events: SessionEvent[] = []
    const manager = createSessionManager({
      carrier: 'server',
      store: failing,
      keys: [{ id: 'a', key: SECRET }],
      onEvent: (e) => void events.push(e),
    })
    const sink = {
      setCookies() {},
      authenticated() {},
      loggedOut() {},
      presentError: (e: unknown) => e,
    }
    let cookie = ''
    const opened = await manager.open(
      { cookieHeader: undefined, secure: false, method: 'GET' },
      {
        ...sink,
        setCookies: (values: readonly string[]) =>
          void (cookie = (values[0] ?? '').split(';')[0] ?? ''),
      },
    )
    ;(opened.data as Record<string, unknown>).x = 1
    await opened.commit(true)
    const again = await manager.open({ cookieHeader: cookie, secure: false, method: 'GET' }, sink)
    ;(again.data as Record<string, unknown>).token = SECRET
    failing.failing = 'replace'
    const err = await again.commit(true).then(
      () => null,
      (e: unknown) => e,
    )
    assert.ok(isTesseraError(err, 'ERR_STORE_UNAVAILABLE'))
    const event = events.find((e) => e.type === 'commit-failed')
    assert.deepEqual(event, { type: 'commit-failed', code: 'ERR_STORE_UNAVAILABLE' })
    const shown = `${JSON.stringify(events)}\n${everythingShown(err)}`
    for (const form of FORMS)
      assert.ok(!shown.includes(form), 'the event or error shows the secret')
  })

  it('security: keys: [secret] names the option and the shape it needs', () => {
    assert.throws(server([SECRET]), (err: unknown) => {
      assert.ok(isTesseraError(err, 'ERR_KEY_INVALID'))
      assert.match((err as Error).message, /keys\[0\] must be an object \{ id, key \}/)
      return true
    })
  })
})
