import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createKeyring } from '../../../../src/crypto/keyring.js'
import { sha256 } from '../../../../src/crypto/hash.js'
import { isTesseraError, type TesseraErrorCode } from '../../../../src/errors.js'
import {
  issueRefreshToken,
  refreshSuccessorKey,
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
const KEY = refreshSuccessorKey(createKeyring([{ id: 'a', key: randomBytes(32) }]))

function opts(now: number, graceSeconds = 5) {
  return { now, graceSeconds, successorKey: KEY }
}

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
    const next = await rotateRefreshToken(store, first.token, opts(T0 + HOUR))
    assert.notEqual(next.token, first.token)
    assert.equal(next.familyId, 'fam-1')
    assert.equal(next.userId, 'u1')
    assert.equal(next.expiresAt, T0 + 12 * HOUR)
    const third = await rotateRefreshToken(store, next.token, opts(T0 + 2 * HOUR))
    assert.equal(third.expiresAt, T0 + 12 * HOUR)
  })

  it('rejects a reused refresh token and revokes its family', async () => {
    const { store, first } = await startFamily()
    const next = await rotateRefreshToken(store, first.token, opts(T0 + 1000))
    const heard: RefreshReuse[] = []
    await assert.rejects(
      rotateRefreshToken(store, first.token, {
        ...opts(T0 + 60_000),
        onReuse: (r) => heard.push(r),
      }),
      isCode('ERR_REFRESH_TOKEN_REUSED'),
    )
    assert.deepEqual(heard, [{ familyId: 'fam-1', userId: 'u1', revokedCount: 2 }])
    // The thief's replay also signed the victim out: the newest token is dead too.
    await assert.rejects(
      rotateRefreshToken(store, next.token, opts(T0 + 61_000)),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })

  it('lets two tabs that refresh within the grace window both succeed, with one successor', async () => {
    const { store, first } = await startFamily()
    const [a, b] = await Promise.all([
      rotateRefreshToken(store, first.token, opts(T0 + 1000)),
      rotateRefreshToken(store, first.token, opts(T0 + 3000)),
    ])
    assert.equal(a.token, b.token)
    assert.notEqual(a.token, first.token)
    assert.equal(a.familyId, b.familyId)
    // The one successor lives on; it is one token, so the next step is one rotation.
    const next = await rotateRefreshToken(store, a.token, opts(T0 + 10_000))
    assert.notEqual(next.token, a.token)
  })

  it('security: ten concurrent uses inside the grace window give one live successor, not ten', async () => {
    const { store, first } = await startFamily()
    const successors = await Promise.all(
      Array.from({ length: 10 }, () => rotateRefreshToken(store, first.token, opts(T0 + 1000))),
    )
    assert.equal(new Set(successors.map((s) => s.token)).size, 1)
    const successor = successors[0]!.token
    // Its first use starts it on; a second use of it after the window is a reuse.
    await rotateRefreshToken(store, successor, opts(T0 + 2000))
    await assert.rejects(
      rotateRefreshToken(store, successor, opts(T0 + 7000)),
      isCode('ERR_REFRESH_TOKEN_REUSED'),
    )
  })

  it('security: with graceSeconds 0 a second use in the same millisecond is a reuse', async () => {
    const { store, first } = await startFamily()
    const results = await Promise.allSettled([
      rotateRefreshToken(store, first.token, opts(T0 + 1000, 0)),
      rotateRefreshToken(store, first.token, opts(T0 + 1000, 0)),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    )
    assert.ok(isCode('ERR_REFRESH_TOKEN_REUSED')((results[1] as PromiseRejectedResult).reason))
  })

  it('derives successors under the server key: another key gives another successor', async () => {
    const { store, first } = await startFamily()
    const other = createMemoryStore({ clock: fakeClock(T0) }).refreshTokens
    await other.insert({
      idHash: sha256(first.token),
      familyId: 'fam-1',
      userId: 'u1',
      createdAt: T0,
      expiresAt: T0 + 12 * HOUR,
      usedAt: null,
      revokedAt: null,
    })
    const mine = await rotateRefreshToken(store, first.token, opts(T0 + 1000))
    const theirs = await rotateRefreshToken(other, first.token, {
      ...opts(T0 + 1000),
      successorKey: refreshSuccessorKey(createKeyring([{ id: 'b', key: randomBytes(32) }])),
    })
    assert.notEqual(mine.token, theirs.token)
  })

  it('treats a second use just after the grace window as reuse', async () => {
    const { store, first } = await startFamily()
    await rotateRefreshToken(store, first.token, opts(T0))
    await assert.rejects(
      rotateRefreshToken(store, first.token, opts(T0 + 5001)),
      isCode('ERR_REFRESH_TOKEN_REUSED'),
    )
  })

  it('refuses every token of a family once the family has expired', async () => {
    const { store, first } = await startFamily()
    const next = await rotateRefreshToken(store, first.token, opts(T0 + HOUR))
    await assert.rejects(
      rotateRefreshToken(store, next.token, opts(T0 + 12 * HOUR)),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })

  it('refuses a token of a revoked family, even within the grace window', async () => {
    const { store, first } = await startFamily()
    assert.equal(await revokeRefreshFamily(store, 'fam-1', T0 + 1), 1)
    await assert.rejects(
      rotateRefreshToken(store, first.token, opts(T0 + 2)),
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
        rotateRefreshToken(counted, token, opts(T0)),
        isCode('ERR_TOKEN_MALFORMED'),
      )
      assert.equal(calls, 0)
    })
  }

  it('refuses an unknown token', async () => {
    await assert.rejects(
      rotateRefreshToken(fakeRefreshStore(), 'A'.repeat(43), opts(T0)),
      isCode('ERR_REFRESH_TOKEN_INVALID'),
    )
  })
})
