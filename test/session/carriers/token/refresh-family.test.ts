import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256 } from '../../../../src/crypto/hash.js'
import { isTesseraError, type TesseraErrorCode } from '../../../../src/errors.js'
import {
  issueRefreshToken,
  revokeRefreshFamily,
  rotateRefreshToken,
  type RefreshReuse,
} from '../../../../src/session/carriers/token/refresh-family.js'
import { createMemoryStore } from '../../../../src/stores/memory.js'
import { fakeClock } from '../../../../src/testing/fake-clock.js'

// A memory store that sees the same instants the tests pass to rotate.
function fakeRefreshStore() {
  return createMemoryStore({ clock: fakeClock(T0) }).refreshTokens
}

const T0 = Date.UTC(2026, 0, 1)
const HOUR = 3600_000

function isCode(code: TesseraErrorCode) {
  return (err: unknown) => isTesseraError(err, code)
}

async function startFamily() {
  const store = fakeRefreshStore()
  const first = await issueRefreshToken(store, {
    familyId: 'fam-1',
    userId: 'u1',
    now: T0,
    expiresAt: T0 + 12 * HOUR,
  })
  return { store, first }
}

describe('refresh-token families', () => {
  it('stores only the hash of a refresh token', async () => {
    const { store, first } = await startFamily()
    assert.equal(first.token.length, 43)
    const record = await store.use(sha256(first.token), T0)
    assert.equal(record?.familyId, 'fam-1')
    assert.ok(!JSON.stringify(record).includes(first.token))
  })

  it('rotates a token into a new one in the same family that keeps the absolute deadline', async () => {
    const { store, first } = await startFamily()
    const next = await rotateRefreshToken(store, first.token, { now: T0 + HOUR, graceSeconds: 5 })
    assert.notEqual(next.token, first.token)
    assert.equal(next.familyId, 'fam-1')
    assert.equal(next.userId, 'u1')
    assert.equal(next.expiresAt, T0 + 12 * HOUR)
    const third = await rotateRefreshToken(store, next.token, {
      now: T0 + 2 * HOUR,
      graceSeconds: 5,
    })
    assert.equal(third.expiresAt, T0 + 12 * HOUR)
  })

  it('rejects a reused refresh token and revokes its family', async () => {
    const { store, first } = await startFamily()
    const next = await rotateRefreshToken(store, first.token, { now: T0 + 1000, graceSeconds: 5 })
    const heard: RefreshReuse[] = []
    await assert.rejects(
      rotateRefreshToken(store, first.token, {
        now: T0 + 60_000,
        graceSeconds: 5,
        onReuse: (r) => heard.push(r),
      }),
      isCode('ERR_REFRESH_TOKEN_REUSED'),
    )
    assert.deepEqual(heard, [{ familyId: 'fam-1', userId: 'u1', revokedCount: 2 }])
    // The thief's replay also signed the victim out: the newest token is dead too.
    await assert.rejects(
      rotateRefreshToken(store, next.token, { now: T0 + 61_000, graceSeconds: 5 }),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })

  it('lets two tabs that refresh within the grace window both succeed', async () => {
    const { store, first } = await startFamily()
    const [a, b] = await Promise.all([
      rotateRefreshToken(store, first.token, { now: T0 + 1000, graceSeconds: 5 }),
      rotateRefreshToken(store, first.token, { now: T0 + 3000, graceSeconds: 5 }),
    ])
    assert.notEqual(a.token, b.token)
    assert.equal(a.familyId, b.familyId)
    // Both successors live on.
    await rotateRefreshToken(store, a.token, { now: T0 + 10_000, graceSeconds: 5 })
    await rotateRefreshToken(store, b.token, { now: T0 + 10_000, graceSeconds: 5 })
  })

  it('treats a second use just after the grace window as reuse', async () => {
    const { store, first } = await startFamily()
    await rotateRefreshToken(store, first.token, { now: T0, graceSeconds: 5 })
    await assert.rejects(
      rotateRefreshToken(store, first.token, { now: T0 + 5001, graceSeconds: 5 }),
      isCode('ERR_REFRESH_TOKEN_REUSED'),
    )
  })

  it('refuses every token of a family once the family has expired', async () => {
    const { store, first } = await startFamily()
    const next = await rotateRefreshToken(store, first.token, { now: T0 + HOUR, graceSeconds: 5 })
    await assert.rejects(
      rotateRefreshToken(store, next.token, { now: T0 + 12 * HOUR, graceSeconds: 5 }),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })

  it('refuses a token of a revoked family, even within the grace window', async () => {
    const { store, first } = await startFamily()
    assert.equal(await revokeRefreshFamily(store, 'fam-1', T0 + 1), 1)
    await assert.rejects(
      rotateRefreshToken(store, first.token, { now: T0 + 2, graceSeconds: 5 }),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })

  const malformed = [
    ['empty', ''],
    ['too short', 'abc'],
    ['padding', `${'a'.repeat(42)}=`],
    ['a dot', `${'a'.repeat(42)}.`],
    ['too long', 'a'.repeat(44)],
  ] as const
  for (const [name, token] of malformed) {
    it(`refuses a malformed refresh token (${name}) without a store call`, async () => {
      const store = fakeRefreshStore()
      let calls = 0
      const counted = { ...store, use: (h: string, n: number) => (calls++, store.use(h, n)) }
      await assert.rejects(
        rotateRefreshToken(counted, token, { now: T0, graceSeconds: 5 }),
        isCode('ERR_TOKEN_MALFORMED'),
      )
      assert.equal(calls, 0)
    })
  }

  it('refuses an unknown token', async () => {
    await assert.rejects(
      rotateRefreshToken(fakeRefreshStore(), 'A'.repeat(43), { now: T0, graceSeconds: 5 }),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })
})
