import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTesseraError } from '../../src/errors.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { generateKey } from '../../src/jwt/generate.js'
import { createSessionInspector, sessionIdHash } from '../../src/session/inspect.js'
import { createSessionManager, type SessionManagerOptions } from '../../src/session/manager.js'
import type { Session } from '../../src/session/session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { recordingSink, testKeys, valueOf } from '../helpers/session.js'

/** Signs alice in through a real manager; returns her session and the cookies it set. */
async function signIn(
  options: Partial<SessionManagerOptions>,
): Promise<{ session: Session<object>; cookies: Map<string, string> }> {
  const manager = createSessionManager<object>({
    carrier: 'server',
    store: createMemoryStore(),
    ...options,
  } as SessionManagerOptions)
  const sink = recordingSink()
  const session = await manager.open(
    { cookieHeader: undefined, secure: false, method: 'POST', host: 'localhost' },
    sink,
  )
  await session.login('alice')
  if (session.needsCommit()) await session.commit(true)
  const cookies = new Map<string, string>()
  for (const c of sink.cookies) {
    const pair = c.split(';')[0]!
    cookies.set(pair.slice(0, pair.indexOf('=')), valueOf(pair))
  }
  return { session, cookies }
}

function tamper(value: string): string {
  const i = Math.floor(value.length / 2)
  return value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1)
}

describe('createSessionInspector', () => {
  it('opens what the cookie carrier seals, and nothing edited or sealed with other keys', async () => {
    const keys = testKeys()
    const { cookies } = await signIn({ carrier: 'cookie', keys, store: undefined })
    const sealed = cookies.get('tessera')
    assert.ok(sealed, 'the cookie carrier set a tessera cookie')
    const inspector = createSessionInspector(keys)
    const opened = inspector.openSealedCookie(sealed)
    assert.ok(opened)
    assert.equal(opened.keyId, keys[0]!.id)
    assert.match(opened.value, /alice/)
    assert.equal(inspector.openSealedCookie(sealed, '__Host-tessera')?.value, opened.value)
    assert.equal(inspector.openSealedCookie(sealed, 'other'), null, 'bound to the cookie name')
    assert.equal(inspector.openSealedCookie(tamper(sealed)), null)
    assert.equal(createSessionInspector(testKeys()).openSealedCookie(sealed), null)
  })

  it('verifies what the token carrier issues, and nothing edited or signed with other keys', async () => {
    const keys = testKeys()
    const { cookies } = await signIn({ carrier: 'token', keys })
    const [access] = [...cookies.entries()].find(([, v]) => v.split('.').length === 3) ?? []
    const token = access === undefined ? undefined : cookies.get(access)
    assert.ok(token, 'the token carrier set an access-token cookie')
    const inspector = createSessionInspector(keys)
    assert.equal(inspector.verifyAccessToken(token).payload.sub, 'alice')
    assert.throws(
      () => inspector.verifyAccessToken(tamper(token)),
      (err) => isTesseraError(err),
    )
    assert.throws(
      () => createSessionInspector(testKeys()).verifyAccessToken(token),
      (err) => isTesseraError(err, 'ERR_SIGNATURE_INVALID'),
    )
  })

  it('gives the handle the manager shows, and the id hash the server carrier stores', async () => {
    const keys = testKeys()
    const store = createMemoryStore()
    const { session, cookies } = await signIn({ carrier: 'server', keys, store })
    const id = cookies.get('tessera')
    assert.ok(id)
    const record = await store.sessions.get(sessionIdHash(id))
    assert.equal(record?.userId, 'alice')
    assert.equal(createSessionInspector(keys).handleOf(record.idHash), session.handle)
    assert.notEqual(createSessionInspector(testKeys()).handleOf(record.idHash), session.handle)
  })

  it('refuses keys without a session secret (a keyring of signing keys only)', () => {
    assert.throws(
      () => createSessionInspector(createKeyring([generateKey('EdDSA')])),
      (err) => isTesseraError(err, 'ERR_KEY_INVALID') && /session secret/.test(err.message),
    )
  })
})
