// Attack suite: a misconfiguration's error never repeats the secret it was given. Startup errors
// end up in logs, crash reports and CI output; a key pasted into the wrong option must not follow
// them there. Each case puts one known secret where a hurried developer might, and the error's
// message, its String(), its inspection and its whole cause chain must not contain it in any
// encoding.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, it } from 'node:test'
import { loadSessionKeys } from '../../app/config.js'
import { session } from '../../src/adapters/express.js'
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
]

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

  it('security: keys: [secret] names the option and the shape it needs', () => {
    assert.throws(server([SECRET]), (err: unknown) => {
      assert.ok(isTesseraError(err, 'ERR_KEY_INVALID'))
      assert.match((err as Error).message, /keys\[0\] must be an object \{ id, key \}/)
      return true
    })
  })
})
