// The Lua scripts of the Redis store. Each one touches keys of a single hash slot, so it runs
// atomically on a single node and on Redis Cluster alike; the two marked "single node only" do a
// two-slot step in one round trip where there are no slots (Cluster takes two scripts instead). Times come in as ARGV (epoch ms, from
// the application's clock) so that `expiresAt <= now` means the same thing here as in `get`.

/**
 * Session record hash fields: v version, u user id ('' for anonymous), e expiresAt,
 * l lastSeenAt, j the rest of the record as JSON, i the score of the record's entry in its
 * user's index ('' for anonymous). Version, user and expiry are separate fields so that scripts
 * can check them without decoding JSON (cjson would turn `{}` into `[]`). Invariant: a record
 * with a user never has `e` above `i`; a write that would break it asks for an index write
 * first (`{'index', user}`), so most writes need no second round trip.
 */
export const SESSION_FIELDS = ['v', 'u', 'e', 'l', 'j'] as const

/**
 * The Lua lines that replace record `key` with the fields v u e l j in ARGV[a]…ARGV[a+4] and the
 * index score `i`.
 */
function createLines(key: string, a: number, i: string): string {
  const arg = (n: number) => `ARGV[${a + n}]`
  return `redis.call('DEL', ${key})
redis.call('HSET', ${key}, 'v', ${arg(0)}, 'u', ${arg(1)}, 'e', ${arg(2)}, 'l', ${arg(3)},
  'j', ${arg(4)}, 'i', ${i})
redis.call('PEXPIREAT', ${key}, ${arg(2)})`
}

/** KEYS[1] record; ARGV v u e l j i. Replaces whatever was there and expires with the record. */
export const CREATE_SESSION = `${createLines('KEYS[1]', 1, 'ARGV[6]')}
return 1`

/**
 * KEYS[1] record; ARGV expectedVersion v u e l j now i. The compare-and-set: writes only a live
 * record at the expected version. `i` is the index score just written, or '' if none was: then
 * the record's user must be unchanged and its new expiry covered by the stored score, else the
 * script writes nothing and returns {'index', user}. Returns false, or the previous user id.
 */
export const REPLACE_SESSION = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'e', 'u', 'i')
if not cur[1] or cur[1] ~= ARGV[1] or tonumber(cur[2]) <= tonumber(ARGV[7]) then return false end
local i = ARGV[8]
if ARGV[3] ~= '' and i == '' then
  if ARGV[3] ~= cur[3] or not cur[4] or cur[4] == '' or tonumber(ARGV[4]) > tonumber(cur[4]) then
    return {'index', ARGV[3]}
  end
  i = cur[4]
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'u', ARGV[3], 'e', ARGV[4], 'l', ARGV[5], 'j', ARGV[6],
  'i', i)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return cur[3]`

/**
 * KEYS[1] record; ARGV l e now i indexedUser. Moves lastSeenAt and expiresAt of a live record.
 * `i` is the score just written to `indexedUser`'s index, or ''. Returns 1 done, 0 absent, or
 * {'index', user} when the user's index must first cover the new expiry (then nothing changed).
 */
export const TOUCH_SESSION = `
local cur = redis.call('HMGET', KEYS[1], 'u', 'e', 'i')
if not cur[1] or tonumber(cur[2]) <= tonumber(ARGV[3]) then return 0 end
local i = cur[3] or ''
if cur[1] ~= '' then
  if ARGV[4] ~= '' and ARGV[5] == cur[1] then i = ARGV[4]
  elseif i == '' or tonumber(ARGV[2]) > tonumber(i) then return {'index', cur[1]} end
end
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'e', ARGV[2], 'i', i)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`

/** KEYS[1] record; ARGV userOrEmpty. Deletes the record (only if it belongs to the user, when given); returns its user id or false. */
export const DELETE_SESSION = `
local u = redis.call('HGET', KEYS[1], 'u')
if not u then return false end
if ARGV[1] ~= '' and u ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
return u`

/**
 * The Lua lines that add `member` with `score` to the expiry-scored sorted set `set`: trim what
 * expired by `now`, add or raise (never lower) the score, and expire the set with its last
 * entry. Shared by the per-user session index and the refresh-token family set.
 */
function indexAdd(set: string, now: string, score: string, member: string): string {
  return `redis.call('ZREMRANGEBYSCORE', ${set}, '-inf', ${now})
redis.call('ZADD', ${set}, 'GT', ${score}, ${member})
local top = redis.call('ZRANGE', ${set}, -1, -1, 'WITHSCORES')
if top[2] then redis.call('PEXPIREAT', ${set}, top[2]) end`
}

/**
 * Single node only (the two keys are in different slots): KEYS[1] the user's index, KEYS[2] the
 * record; ARGV now score idHash v u e l j. Adds the index entry, then writes the record, in one
 * round trip, in the order the two steps take on Cluster.
 */
export const CREATE_INDEXED_SESSION = `${indexAdd('KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
${createLines('KEYS[2]', 4, 'ARGV[2]')}
return 1`

/**
 * KEYS[1] a sorted set (member → expiresAt); ARGV now score member. Trims entries that expired,
 * adds or raises (never lowers) the member's score, and expires the set with its last entry, so
 * the index never outlives, nor keeps entries of, expired records.
 */
export const INDEX_ADD = `${indexAdd('KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
return 1`

/** KEYS[1] a sorted set; ARGV now. Trims expired entries, returns the live members. */
export const INDEX_LIVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`

/** KEYS[1] a sorted set; ARGV member. */
export const INDEX_REMOVE = `return redis.call('ZREM', KEYS[1], ARGV[1])`

/**
 * Refresh token hash fields: u userId, c createdAt, e expiresAt, x usedAt ('' unused),
 * r revokedAt ('' not revoked).
 * KEYS[1] token, KEYS[2] its family's set (same slot); ARGV u c e now idHash. A token already
 * stored is left as it is (a rotation's successor may be issued more than once).
 */
export const INSERT_TOKEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'u', ARGV[1], 'c', ARGV[2], 'e', ARGV[3], 'x', '', 'r', '')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
${indexAdd('KEYS[2]', 'ARGV[4]', 'ARGV[3]', 'ARGV[5]')}
return 1`

/**
 * A Lua function expression that percent-encodes a string as `encodeURIComponent` does (byte by
 * byte, hex in capitals), as RedisKeys names user and family keys.
 */
const URI_ENCODE = `(function(s)
  return (string.gsub(s, "[^%w%-_%.!~%*'%(%)]", function(c)
    return string.format('%%%02X', string.byte(c))
  end))
end)`

/** The Lua lines that mark token `key` used at `now` if it was not, into `cur` (as it was before). */
function useLines(key: string, now: string): string {
  return `local cur = redis.call('HMGET', ${key}, 'u', 'c', 'e', 'x', 'r')
if not cur[1] or tonumber(cur[3]) <= tonumber(${now}) then return false end
if cur[4] == '' then redis.call('HSET', ${key}, 'x', ${now}) end`
}

/** KEYS[1] token; ARGV now. Marks it used if it was not, returns it as it was before (or false). */
export const USE_TOKEN = `${useLines('KEYS[1]', 'ARGV[1]')}
return cur`

/**
 * Single node only: the token's key is read from its pointer, so it is not declared (Cluster
 * would refuse it; there `use` takes two steps). KEYS[1] the token's pointer; ARGV now,
 * the family key's start (`<prefix>{f:`), idHash. The family id is percent-encoded as
 * `encodeURIComponent` does (RedisKeys.family). Returns {familyId, fields…} or false.
 */
export const USE_TOKEN_BY_POINTER = `
local f = redis.call('GET', KEYS[1])
if not f then return false end
local key = ARGV[2] .. ${URI_ENCODE}(f) .. '}t:' .. ARGV[3]
${useLines('key', 'ARGV[1]')}
return {f, cur[1], cur[2], cur[3], cur[4], cur[5]}`

/**
 * Single node only (the user's index is named by the record's user, so it is not declared):
 * KEYS[1] record; ARGV userOrEmpty, the index key's start (`<prefix>{u:`), idHash. Deletes the
 * record (only if it belongs to the user, when given), then its user's index entry; returns its
 * user id or false, as DELETE_SESSION does.
 */
export const DELETE_INDEXED_SESSION = `
local u = redis.call('HGET', KEYS[1], 'u')
if not u then return false end
if ARGV[1] ~= '' and u ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
if u ~= '' then redis.call('ZREM', ARGV[2] .. ${URI_ENCODE}(u) .. '}', ARGV[3]) end
return u`

/**
 * KEYS[1] the family's set; ARGV now tokenKeyPrefix. Marks every token of the family revoked in
 * one step (all of a family's keys share a slot); returns how many were changed.
 */
export const REVOKE_FAMILY = `
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[2] .. id
  local r = redis.call('HGET', key, 'r')
  if r == '' then
    redis.call('HSET', key, 'r', ARGV[1])
    n = n + 1
  end
end
return n`

/** KEYS[1] record; ARGV now. Deletes the record if it expired at `now`; returns its user id or false. */
export const EXPIRE_SESSION = `
local cur = redis.call('HMGET', KEYS[1], 'e', 'u')
if not cur[1] or tonumber(cur[1]) > tonumber(ARGV[1]) then return false end
redis.call('DEL', KEYS[1])
return cur[2]`

/** KEYS[1] token, KEYS[2] its family's set; ARGV now idHash. Deletes the token if expired at `now`. */
export const EXPIRE_TOKEN = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e or tonumber(e) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`
