// The refresh-token half of the conformance suite.
import assert from 'node:assert/strict'
import { createKeyring } from '../crypto/keyring.js'
import { randomBytesBuffer } from '../crypto/random.js'
import { isTesseraError } from '../errors.js'
import {
  issueRefreshToken,
  refreshSuccessorKey,
  rotateRefreshToken,
} from '../session/carriers/token/refresh-family.js'
import type { RefreshTokenRecord } from '../stores/store.js'
import { fakeIdHash, refreshTokenRecord } from './fixtures.js'
import type { RegisterCase, WithStore } from './session-cases.js'

/** Registers the RefreshTokenStore cases; `expiresNatively` relaxes only what deleteExpired must count. */
export function refreshTokenCases(
  it: RegisterCase,
  withStore: WithStore,
  expiresNatively: boolean,
): void {
  it(
    'use returns the token as it was before, then marks it used at now',
    withStore(async (store) => {
      const token = refreshTokenRecord({ userId: 'ユーザー😀' })
      await store.refreshTokens.insert(token)
      const now = Date.now()
      assert.deepEqual(await store.refreshTokens.use(token.idHash, now), token)
      assert.deepEqual(await store.refreshTokens.use(token.idHash, now + 5), {
        ...token,
        usedAt: now,
      })
    }),
  )

  it(
    'use returns null for an unknown token',
    withStore(async (store) => {
      assert.equal(await store.refreshTokens.use(fakeIdHash(), Date.now()), null)
    }),
  )

  it(
    'use returns null for a token expired at the now it is given',
    withStore(async (store) => {
      const base = Date.now() + 86_400_000
      const token = refreshTokenRecord({ expiresAt: base })
      await store.refreshTokens.insert(token)
      assert.equal(await store.refreshTokens.use(token.idHash, base), null)
      assert.equal(await store.refreshTokens.use(token.idHash, base + 1), null)
    }),
  )

  it(
    'keeps its own copy of an inserted token',
    withStore(async (store) => {
      const token = refreshTokenRecord()
      const given = { ...token } as {
        -readonly [K in keyof RefreshTokenRecord]: RefreshTokenRecord[K]
      }
      await store.refreshTokens.insert(given)
      given.familyId = 'changed'
      given.usedAt = 1
      assert.deepEqual(await store.refreshTokens.use(token.idHash, Date.now()), token)
    }),
  )

  it(
    'lets exactly one of many concurrent use calls see the first use',
    withStore(async (store) => {
      for (const concurrency of [2, 20]) {
        const token = refreshTokenRecord()
        await store.refreshTokens.insert(token)
        const now = Date.now()
        const seen = await Promise.all(
          Array.from({ length: concurrency }, () => store.refreshTokens.use(token.idHash, now)),
        )
        assert.equal(seen.filter((r) => r !== null && r.usedAt === null).length, 1)
        assert.equal(seen.filter((r) => r !== null && r.usedAt === now).length, concurrency - 1)
      }
    }),
  )

  it(
    'insert leaves a token already stored as it is: never unused again, never unrevoked',
    withStore(async (store) => {
      const token = refreshTokenRecord()
      await store.refreshTokens.insert(token)
      const now = Date.now()
      await store.refreshTokens.use(token.idHash, now)
      await store.refreshTokens.insert({ ...token, createdAt: now + 1 })
      assert.deepEqual(await store.refreshTokens.use(token.idHash, now + 2), {
        ...token,
        usedAt: now,
      })
      await store.refreshTokens.revokeFamily(token.familyId, now + 3)
      await store.refreshTokens.insert(token)
      assert.equal((await store.refreshTokens.use(token.idHash, now + 4))?.revokedAt, now + 3)
    }),
  )

  it(
    'security: ten concurrent rotations of one refresh token inside the grace window give one successor; past it the family dies',
    withStore(async (store) => {
      const successorKey = refreshSuccessorKey(
        createKeyring([{ id: 'conformance', key: randomBytesBuffer(32) }]),
      )
      const now = Date.now()
      const familyId = fakeIdHash()
      const first = await issueRefreshToken(store.refreshTokens, {
        familyId,
        userId: 'u-rotate',
        now,
        expiresAt: now + 3_600_000,
      })
      const rotate = (token: string, at: number, graceSeconds = 5) =>
        rotateRefreshToken(store.refreshTokens, token, { now: at, graceSeconds, successorKey })
      const inside = await Promise.all(Array.from({ length: 10 }, () => rotate(first.token, now)))
      const successors = new Set(inside.map((s) => s.token))
      assert.equal(successors.size, 1, `${successors.size} live successors`)
      const [successor] = successors as Set<string>
      // The one successor rotates on; the parent, once the window is over, kills the family.
      const next = await rotate(successor!, now + 1000)
      const late = await Promise.allSettled(
        Array.from({ length: 10 }, () => rotate(first.token, now + 5000)),
      )
      // Each late use is refused: as a reuse, or (once a reuse has revoked it) as revoked.
      const codes = late.map((r) =>
        r.status === 'rejected' && isTesseraError(r.reason) ? r.reason.code : r.status,
      )
      assert.ok(codes.includes('ERR_REFRESH_TOKEN_REUSED'), codes.join())
      for (const code of codes) {
        assert.ok(code === 'ERR_REFRESH_TOKEN_REUSED' || code === 'ERR_REFRESH_TOKEN_INVALID', code)
      }
      await assert.rejects(rotate(next.token, now + 6000), (err: unknown) =>
        isTesseraError(err, 'ERR_REFRESH_TOKEN_INVALID'),
      )
      // graceSeconds 0: of two uses in one millisecond, exactly one succeeds.
      const other = await issueRefreshToken(store.refreshTokens, {
        familyId: fakeIdHash(),
        userId: 'u-rotate',
        now,
        expiresAt: now + 3_600_000,
      })
      const both = await Promise.allSettled([
        rotate(other.token, now + 1, 0),
        rotate(other.token, now + 1, 0),
      ])
      assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1)
    }),
  )

  it(
    'revokeFamily revokes every token of the family, counts them, and leaves other families alone',
    withStore(async (store) => {
      const family = [1, 2, 3].map(() => refreshTokenRecord({ familyId: 'fam-a' }))
      const other = [1, 2].map(() => refreshTokenRecord({ familyId: 'fam-b' }))
      for (const t of [...family, ...other]) await store.refreshTokens.insert(t)
      const now = Date.now()
      assert.equal(await store.refreshTokens.revokeFamily('fam-a', now), 3)
      assert.equal(await store.refreshTokens.revokeFamily('fam-a', now + 10), 0)
      assert.equal(await store.refreshTokens.revokeFamily('fam-unknown', now), 0)
      assert.deepEqual(await store.refreshTokens.use(family[0]!.idHash, now), {
        ...family[0],
        revokedAt: now,
      })
      assert.deepEqual(await store.refreshTokens.use(other[0]!.idHash, now), other[0])
    }),
  )

  it(
    'deleteExpired deletes tokens expired at the now it is given and returns the count',
    withStore(async (store) => {
      const base = Date.now() + 86_400_000
      const tokens = [1000, 2000, 3000].map((offset) =>
        refreshTokenRecord({ expiresAt: base + offset }),
      )
      for (const t of tokens) await store.refreshTokens.insert(t)
      assert.equal(await store.refreshTokens.deleteExpired(base), 0)
      const deleted = await store.refreshTokens.deleteExpired(base + 2000)
      if (expiresNatively) assert.ok(Number.isInteger(deleted) && deleted >= 0 && deleted <= 2)
      else assert.equal(deleted, 2)
      assert.equal(await store.refreshTokens.use(tokens[0]!.idHash, base + 2000), null)
      assert.deepEqual(await store.refreshTokens.use(tokens[2]!.idHash, base), tokens[2])
    }),
  )
}
