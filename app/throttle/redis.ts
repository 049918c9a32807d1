// The login throttle's buckets in Redis, through a client the caller owns.
import type { RedisEval } from '../backend-calls.js'
import type { ThrottleBackend, ThrottleWindow } from './backend.js'
import { bucketsAfterFailure, bucketsFromRows, type BucketRow } from './rows.js'

/** The one method of a node-redis v5 client the Redis backend calls. */
export type ThrottleRedis = RedisEval

// KEYS[1] the bucket, a hash {f: failures, t: last failure}; ARGV now, window (ms).
const REDIS_FAIL = `
local last = tonumber(redis.call('HGET', KEYS[1], 't'))
if last ~= nil and tonumber(ARGV[1]) - last > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
end
redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('HSET', KEYS[1], 't', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HMGET', KEYS[1], 'f', 't')`
const REDIS_READ = `return redis.call('HMGET', KEYS[1], 'f', 't')`
const REDIS_FORGET = `return redis.call('DEL', KEYS[1])`
// KEYS[1] the bucket: one failure fewer, never below 0; a missing bucket stays missing.
const REDIS_TAKE_BACK = `
if tonumber(redis.call('HGET', KEYS[1], 'f') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'f', -1)
end
return 1`

/**
 * Buckets in Redis, one hash per bucket under `<prefix>throttle:`, expiring a window after its
 * last failure. One script per bucket, so each call touches one key (and one Cluster slot).
 */
export function redisThrottleBackend(
  client: ThrottleRedis,
  prefix: string,
  window: ThrottleWindow,
): ThrottleBackend {
  const windowMs = String(window.windowSeconds * 1000)
  const run = (script: string, key: string, args: string[] = []) =>
    client.eval(script, { keys: [`${prefix}throttle:${key}`], arguments: args })
  // A bucket's reply, {failures, last failure}, as the row the SQL backends would give.
  const rowsOf = (keys: readonly string[], replies: unknown[]): BucketRow[] =>
    replies.flatMap((reply, i): BucketRow[] => {
      const [failures, lastFailureAt] = Array.isArray(reply) ? (reply as unknown[]) : []
      const key = keys[i]
      if (key === undefined || failures === null || failures === undefined) return []
      return [{ key, failures: String(failures), last_failure_at: String(lastFailureAt) }]
    })
  return {
    async read(keys, now) {
      const replies = await Promise.all(keys.map((key) => run(REDIS_READ, key)))
      return bucketsFromRows(keys, rowsOf(keys, replies), now, window)
    },
    async addFailure(keys, now) {
      const args = [String(now), windowMs]
      const replies = await Promise.all(keys.map((key) => run(REDIS_FAIL, key, args)))
      return bucketsAfterFailure(keys, rowsOf(keys, replies))
    },
    async takeBack(keys) {
      await Promise.all(keys.map((key) => run(REDIS_TAKE_BACK, key)))
    },
    forget: async (key) => void (await run(REDIS_FORGET, key)),
    close: async () => {},
  }
}
