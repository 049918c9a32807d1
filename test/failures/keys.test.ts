// Issue 16, clear failures: keys as people misconfigure them.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { session } from '../../src/adapters/express.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { createMemoryStore } from '../../src/stores/memory.js'

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(isTesseraError(err, 'ERR_KEY_INVALID'), String(err))
    return err.message
  }
  assert.fail('did not throw')
}

const env: Record<string, string | undefined> = {} // no SESSION_KEY in it

describe('a key from an environment variable that is not set', () => {
  it('keys: [process.env.KEY] says it got undefined and to check the environment', () => {
    const message = messageOf(() =>
      session({ carrier: 'server', store: createMemoryStore(), keys: [env.KEY as never] }),
    )
    assert.match(message, /keys\[0\] is undefined/)
    assert.match(message, /check that the variable is set/)
  })

  it('{ id, key: process.env.KEY } says it got undefined and to check the environment', () => {
    const message = messageOf(() => createKeyring([{ id: '2026-11', key: env.KEY as never }]))
    assert.match(message, /key "2026-11" .*got undefined/)
    assert.match(message, /process\.env/)
  })

  it('a bare string says each key is { id, key }', () => {
    const message = messageOf(() => createKeyring([randomBytes(32).toString('base64') as never]))
    assert.match(message, /keys\[0\] is a string: each key is \{ id, key \}/)
  })
})

describe('a key made with openssl rand -base64 32 (standard base64)', () => {
  const bytes = randomBytes(32)
  const cases: [string, string][] = [
    ['padded', bytes.toString('base64')],
    ['unpadded', bytes.toString('base64').replace(/=+$/, '')],
  ]
  let fromOpenssl: string | undefined
  try {
    fromOpenssl = execFileSync('openssl', ['rand', '-base64', '32']).toString().trim()
  } catch {
    fromOpenssl = undefined // no openssl on this machine: the Buffer-made cases stand in
  }
  if (fromOpenssl !== undefined) cases.push(['printed by openssl itself', fromOpenssl])
  for (const [name, text] of cases) {
    it(`is accepted, ${name}, with the bytes it encodes`, () => {
      const keyring = createKeyring([{ id: 'k', key: text }])
      assert.deepEqual(keyring.primary.secret, Buffer.from(text, 'base64'))
    })
  }

  it('is refused when it mixes the two alphabets or is not canonical', () => {
    const b64 = bytes.toString('base64url')
    for (const text of [`+${b64.slice(1, -1)}-`, `${bytes.toString('base64').slice(0, -2)}B=`]) {
      assert.match(
        messageOf(() => createKeyring([{ id: 'k', key: text }])),
        /not base64url/,
      )
    }
  })

  it('of fewer than 32 bytes is refused by its length', () => {
    const short = randomBytes(24).toString('base64')
    assert.match(
      messageOf(() => createKeyring([{ id: 'k', key: short }])),
      /24 bytes/,
    )
  })
})
