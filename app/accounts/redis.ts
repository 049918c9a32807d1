// Accounts in Redis, through a client the caller owns.
import type { Account, AccountRepository } from '../accounts.js'
import type { RedisEval } from '../backend-calls.js'

// KEYS[1] the username's key (its value: the id), KEYS[2] the account's hash; ARGV the account.
// Both keys or neither: two instances registering one username at once make exactly one account.
const REDIS_INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'username', ARGV[2], 'passwordHash', ARGV[3],
  'createdAt', ARGV[4])
return 1`
const REDIS_GET = `return redis.call('GET', KEYS[1])`
const REDIS_HGETALL = `return redis.call('HGETALL', KEYS[1])`
// KEYS[1] the account's hash; ARGV[1] the new password hash. An unknown id creates nothing.
const REDIS_UPDATE_HASH = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
end
return 1`

/** An account from HGETALL's flat [field, value, ...] reply; undefined when empty or partial. */
function fromRedisHash(reply: unknown): Account | undefined {
  if (!Array.isArray(reply)) return undefined
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]))
  const id = fields.get('id')
  const username = fields.get('username')
  const passwordHash = fields.get('passwordHash')
  const createdAt = fields.get('createdAt')
  if (id === undefined || username === undefined || passwordHash === undefined) return undefined
  return { id, username, passwordHash, createdAt: Number(createdAt) }
}

/**
 * Accounts in Redis through a client the caller owns: a hash per account
 * (`<prefix>{accounts}:id:<id>`) and a key per username holding the id
 * (`<prefix>{accounts}:name:<username>`), both written by one script. The `{accounts}` hash tag
 * puts every account key in one Redis Cluster slot, so that script may touch both keys there.
 */
export function redisAccountRepository(client: RedisEval, prefix: string): AccountRepository {
  const idKey = (id: string) => `${prefix}{accounts}:id:${id}`
  const nameKey = (username: string) => `${prefix}{accounts}:name:${username}`
  const run = (script: string, keys: string[], args: string[] = []) =>
    client.eval(script, { keys, arguments: args })
  const findById = async (id: string) => fromRedisHash(await run(REDIS_HGETALL, [idKey(id)]))
  return {
    async findByUsername(username) {
      // Accounts are never deleted, and the script writes the name key with the hash: an id
      // found here has its hash.
      const id = await run(REDIS_GET, [nameKey(username)])
      return typeof id === 'string' ? findById(id) : undefined
    },
    findById,
    async insert(a) {
      const args = [a.id, a.username, a.passwordHash, String(a.createdAt)]
      return (await run(REDIS_INSERT, [nameKey(a.username), idKey(a.id)], args)) === 1
    },
    async updateHash(id, passwordHash) {
      await run(REDIS_UPDATE_HASH, [idKey(id)], [passwordHash])
    },
    close: async () => {},
  }
}
