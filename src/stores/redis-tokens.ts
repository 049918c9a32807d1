// The refresh-token half of the Redis store. A token's family never changes, so every token is
// hash-tagged by its family: using a token and revoking its family are single-slot scripts, and
// the idHash → family pointer that `use` starts from is written once.
import type { RedisKeys, Runner } from './redis-keys.js'
import {
  EXPIRE_TOKEN,
  INSERT_TOKEN,
  REVOKE_FAMILY,
  USE_TOKEN,
  USE_TOKEN_BY_POINTER,
} from './redis-scripts.js'
import { globEscape } from './redis-sweep.js'
import type { RefreshTokenRecord, RefreshTokenStore } from './store.js'

/** The refresh tokens of `createRedisStore`. */
export function createRedisRefreshTokens(
  redis: Runner,
  keys: RedisKeys,
  now: () => number,
): RefreshTokenStore {
  return {
    // The token and its pointer are sent together (one round trip): the pointer only names the
    // family, and a pointer without its token, or the reverse, is a token that does not work.
    async insert(record) {
      const family = record.familyId
      await Promise.all([
        redis.script(
          'insert',
          INSERT_TOKEN,
          [`${keys.tokenPrefix(family)}${record.idHash}`, keys.family(family)],
          [record.userId, record.createdAt, record.expiresAt, now(), record.idHash],
        ),
        // Written once per token, and expires with it.
        redis.script(
          'insert',
          `redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2]) return 1`,
          [keys.tokenPointer(record.idHash)],
          [family, record.expiresAt],
        ),
      ])
    },

    // One script on a single node (it reads the pointer and uses the token it names); on
    // Cluster the pointer and the token live in different slots: two steps.
    use: (idHash, at) =>
      redis.oneOrSplit(
        'use',
        {
          script: USE_TOKEN_BY_POINTER,
          keys: [keys.tokenPointer(idHash)],
          args: [at, keys.familyStart(), idHash],
        },
        (reply) =>
          Array.isArray(reply) ? decodeToken(idHash, String(reply[0]), reply.slice(1)) : null,
        async () => {
          const familyId = await redis.script(
            'use',
            `return redis.call('GET', KEYS[1])`,
            [keys.tokenPointer(idHash)],
            [],
          )
          if (typeof familyId !== 'string') return null
          const before = await redis.script(
            'use',
            USE_TOKEN,
            [`${keys.tokenPrefix(familyId)}${idHash}`],
            [at],
          )
          return Array.isArray(before) ? decodeToken(idHash, familyId, before) : null
        },
      ),

    async revokeFamily(familyId, at) {
      const changed = await redis.script(
        'revokeFamily',
        REVOKE_FAMILY,
        [keys.family(familyId)],
        [at, keys.tokenPrefix(familyId)],
      )
      return Number(changed)
    },

    async deleteExpired(at) {
      if (at <= now()) return 0
      let deleted = 0
      await redis.scan(`${globEscape(keys.prefix)}{f:*}t:*`, async (batch) => {
        for (const key of batch) {
          const end = key.indexOf('}t:', keys.prefix.length)
          const family = key.slice(0, end + 1)
          const idHash = key.slice(end + 3)
          deleted += Number(
            await redis.script('deleteExpired', EXPIRE_TOKEN, [key, family], [at, idHash]),
          )
        }
      })
      return deleted
    },
  }
}

/** A token as USE_TOKEN answers it (u c e x r, as they were before the use). */
function decodeToken(idHash: string, familyId: string, fields: unknown[]): RefreshTokenRecord {
  const [userId, createdAt, expiresAt, usedAt, revokedAt] = fields as (string | null)[]
  return {
    idHash,
    familyId,
    userId: userId ?? '',
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
    usedAt: usedAt ? Number(usedAt) : null,
    revokedAt: revokedAt ? Number(revokedAt) : null,
  }
}
