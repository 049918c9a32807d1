// A Store on Redis 7 (or Valkey), single node or Cluster, through the official `redis` client
// v5 that the caller creates, connects and closes.
//
// Key design (Cluster: every atomic step must touch a single hash slot).
//   <prefix>{s:<idHash>}              hash: one session record, PEXPIREAT its expiresAt
//   <prefix>{u:<userId>}              sorted set: idHash → expiresAt (+ slack), the user's index
//   <prefix>{r:<idHash>}              string: refresh token → its family id (never changes)
//   <prefix>{f:<familyId>}            sorted set: idHash → expiresAt, the family's tokens
//   <prefix>{f:<familyId>}t:<idHash>  hash: one refresh token, same slot as its family
//
// A session is found by idHash alone, and its user can change (an anonymous session that logs
// in), so a record and its user's index cannot share a slot: hash-tagging records by user would
// need an idHash → user pointer that changes with the user, which is the same cross-slot write
// again, and would put every anonymous session in one hot slot. So the record is the truth and
// the index is a superset of it, kept that way by ordering the steps:
//   - an index entry is added (or its score raised) BEFORE the record is written, and removed
//     only AFTER the record is deleted; its score is never lower than the record's expiresAt
//     (the record keeps the score it is covered by, so a write that stays under it, the usual
//     case, is a single round trip: see INDEX_SLACK_MS);
//   - every index write first trims entries whose score has passed (ZREMRANGEBYSCORE) and expires
//     the set with its last entry, so the index holds no entry of an expired session for long
//     and never outlives its sessions;
//   - listByUser and deleteByUser read the trimmed index, then check each record (alive, same
//     user), so a stale entry left by a crash between two steps is never returned and disappears
//     at its expiry.
// Compare-and-set, touch and delete of a record are one Lua script each, on the record's slot.
// On a single node (no slots), the steps that span two slots (a signed-in create, a delete with
// its index entry, a refresh token's use through its pointer) are one script each, in the same
// order: one round trip per operation. On Cluster they stay separate steps.
// A refresh token's family never changes, so tokens are hash-tagged by family: revoking a family
// and using a token are single-slot scripts; the idHash → family pointer is written once.
import { setMaxListeners } from 'node:events'
import type { Clock } from '../clock.js'
import { TesseraError } from '../errors.js'
import { invalidOption, positiveInteger, rejectUnknown } from '../options.js'
import { withLifetime, type SessionRecord, type SessionStore, type Store } from './store.js'
import {
  CREATE_INDEXED_SESSION,
  CREATE_SESSION,
  DELETE_INDEXED_SESSION,
  DELETE_SESSION,
  EXPIRE_SESSION,
  INDEX_ADD,
  INDEX_LIVE,
  INDEX_REMOVE,
  REPLACE_SESSION,
  SESSION_FIELDS,
  TOUCH_SESSION,
} from './redis-scripts.js'
import { globEscape, scanAll, type RedisScannable } from './redis-sweep.js'
import { RedisKeys, type Runner } from './redis-keys.js'
import { createRedisRefreshTokens } from './redis-tokens.js'

/**
 * The few methods of a `redis` v5 client or cluster client (`createClient`, `createCluster`)
 * that the store calls. Declared here so that tessera does not depend on the driver.
 */
export interface RedisClientLike extends RedisScannable {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  /** EVALSHA, when the client has it: a script then travels as its SHA1, not its text. */
  evalSha?(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  /** SCRIPT LOAD, when the client has it: learns a script's SHA1 once. */
  scriptLoad?(script: string): Promise<unknown>
  hmGet(key: string, fields: string[]): Promise<unknown>
}

export interface RedisStoreOptions {
  /** A connected client from `redis` v5 (`createClient` or `createCluster`); the caller closes it. */
  readonly client: RedisClientLike
  /** Put before every key, so several apps can share a database. Default `tessera:`. */
  readonly prefix?: string
  /** A command that has not answered by then fails with ERR_STORE_UNAVAILABLE. Default 1000 ms. */
  readonly commandTimeoutMs?: number
  /** Where the store reads the time (epoch ms) to hide expired records. Default `Date`. */
  readonly clock?: Clock
}

/**
 * A Store on Redis or Valkey, single node or Cluster. Records expire by themselves (PEXPIREAT),
 * so `deleteExpired(now)` at the present instant returns 0 at once; only a future instant scans.
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL }).on('error', log).connect()
 * const store = createRedisStore({ client, prefix: 'myapp:' })
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  rejectUnknown(options, ['client', 'prefix', 'commandTimeoutMs', 'clock'], 'createRedisStore()', {
    url: 'pass client: a connected client (createClient({ url }) from redis)',
  })
  if (typeof options?.client?.eval !== 'function') {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'createRedisStore takes { client, prefix? }, with client a connected redis v5 client',
    )
  }
  const prefix = options.prefix ?? 'tessera:'
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    invalidOption('prefix', 'a string without "{" or "}"', prefix)
  }
  const timeoutMs = positiveInteger(options, 'commandTimeoutMs', 1000)
  const redis = createRunner(options.client, timeoutMs)
  const clock = options.clock ?? Date
  const now = () => clock.now()
  return {
    sessions: createRedisSessions(redis, new RedisKeys(prefix), now),
    refreshTokens: createRedisRefreshTokens(redis, new RedisKeys(prefix), now),
    // Redis has no tables: ready when a script runs, on the slot of the store's own keys.
    ready: async () =>
      void (await redis.script('ready check', 'return 1', [`${prefix}{ready}`], [])),
  }
}

// A user's index entry is written with this much more than the record's expiry, so that a
// session whose expiry rolls forward on every request rewrites its index entry about once per
// INDEX_SLACK_MS instead of on every write. An entry therefore outlives an expired (not
// deleted) session by at most this long before ZREMRANGEBYSCORE trims it; it is never listed.
const INDEX_SLACK_MS = 5 * 60 * 1000

// Every call is bounded twice over: the driver aborts it (which also drops a command still
// waiting in its offline queue, so a write reported as failed is not sent later), and the store
// rejects it itself, in case a driver version ignores the signal. Whatever fails becomes
// ERR_STORE_UNAVAILABLE.
//
// The deadline is shared by the commands sent within the same WINDOW_MS: one AbortController
// and one timer per window. The driver's per-command `timeout` option costs an
// AbortSignal.timeout (with its timer, WeakRef and DOMException) per command, which profiled at
// about 15 us of a request's 350 us here; a command now fails between timeoutMs and
// timeoutMs + WINDOW_MS after it was sent.
const WINDOW_MS = 25

interface Window {
  /** The client with this window's abort signal on every command. */
  readonly client: RedisClientLike
  readonly closesAt: number
  /** Callers still waiting, failed when the window's deadline passes. */
  readonly pending: Set<(err: Error) => void>
}

function createRunner(client: RedisClientLike, timeoutMs: number): Runner {
  const withOptions = (client as { withCommandOptions?: (o: object) => RedisClientLike })
    .withCommandOptions
  let window: Window | undefined

  function currentWindow(): Window {
    const now = Date.now()
    if (window !== undefined && now < window.closesAt) return window
    const controller = new AbortController()
    // Every command of the window adds its abort listener until it is written: more than 10 at
    // once is the normal case under load, not the leak Node's MaxListeners warning is for.
    setMaxListeners(0, controller.signal)
    const opened: Window = {
      client:
        typeof withOptions === 'function'
          ? withOptions.call(client, { abortSignal: controller.signal })
          : client,
      closesAt: now + WINDOW_MS,
      pending: new Set(),
    }
    // Unref'd: a command in flight keeps the process alive through its socket, not this timer.
    // A window whose commands all answered has nothing to abort or fail: no error is made (a
    // DOMException and an Error, each with its stack trace, every 25 ms of traffic).
    setTimeout(() => {
      if (opened.pending.size === 0) return
      controller.abort()
      const failure = new Error(`no answer within ${timeoutMs} ms`)
      for (const fail of opened.pending) fail(failure)
    }, timeoutMs + WINDOW_MS).unref()
    window = opened
    return opened
  }

  // One promise per call, settled by the command or by the window's deadline, whichever comes
  // first (the later one is ignored); the caller is removed from the window when either does.
  function run<T>(op: string, call: (c: RedisClientLike) => Promise<T>): Promise<T> {
    const { client: bounded, pending } = currentWindow()
    return new Promise<T>((resolve, reject) => {
      const fail = (cause: unknown) => {
        pending.delete(fail)
        reject(new TesseraError('ERR_STORE_UNAVAILABLE', `redis ${op} failed`, { cause }))
      }
      pending.add(fail)
      let answer: Promise<T>
      try {
        answer = call(bounded)
      } catch (cause) {
        fail(cause)
        return
      }
      answer.then((value) => {
        pending.delete(fail)
        resolve(value)
      }, fail)
    })
  }
  // Scripts travel as their SHA1 once SCRIPT LOAD has told it (asked once per script, alongside
  // its first EVAL, off the request's path). A server that lost its script cache (a restart, a
  // failover, SCRIPT FLUSH, a Cluster node that never saw the script) answers NOSCRIPT, and the
  // script is sent whole, which caches it there again.
  const shas = new Map<string, string>()
  const learning = new Set<string>()
  function learnSha(script: string): void {
    if (typeof client.scriptLoad !== 'function' || learning.has(script)) return
    learning.add(script)
    run('script load', (c) => c.scriptLoad!(script)).then(
      (sha) => void (typeof sha === 'string' && shas.set(script, sha)),
      () => learning.delete(script), // tried again with the script's next use
    )
  }
  const script: Runner['script'] = (op, text, keys, args) =>
    run(op, (c) => {
      const options = { keys, arguments: args.map(String) }
      const sha = shas.get(text)
      if (sha === undefined || typeof c.evalSha !== 'function') {
        learnSha(text)
        return c.eval(text, options)
      }
      return c.evalSha(sha, options).catch((err: unknown) => {
        if (!/^NOSCRIPT/.test(errorMessage(err))) throw err
        return c.eval(text, options)
      })
    })
  let singleNode = typeof client.getMasters !== 'function'
  return {
    get singleNode() {
      return singleNode
    },
    script,
    async oneOrSplit(op, oneStep, decode, split) {
      if (singleNode) {
        try {
          return decode(await script(op, oneStep.script, oneStep.keys, oneStep.args))
        } catch (err) {
          const cause = errorMessage((err as { cause?: unknown }).cause)
          if (!/CROSSSLOT|non local key|same slot/i.test(cause)) throw err
          singleNode = false // a cluster after all: two steps from now on
        }
      }
      return split()
    },
    hmGet: (op, key, fields) => run(op, (c) => c.hmGet(key, [...fields])),
    scan: (pattern, onKeys) => scanAll(client, pattern, (call) => run('scan', call), onKeys),
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : ''
}

function createRedisSessions(redis: Runner, keys: RedisKeys, now: () => number): SessionStore {
  const indexAdd = (userId: string, score: string, idHash: string) =>
    redis.script('index', INDEX_ADD, [keys.user(userId)], [now(), score, idHash])
  const indexRemove = (userId: string, idHash: string) =>
    redis.script('index', INDEX_REMOVE, [keys.user(userId)], [idHash])

  // Runs a write script; when it asks for the user's index first, writes the index entry with
  // some slack and runs the script again, telling it the score now covered.
  async function withIndex(
    op: string,
    script: string,
    idHash: string,
    args: (score: string, user: string) => (string | number)[],
    expiresAt: number,
  ): Promise<unknown> {
    let score = ''
    let user = ''
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await redis.script(op, script, [keys.session(idHash)], args(score, user))
      if (!Array.isArray(reply)) return reply
      user = String(reply[1])
      score = String(expiresAt + INDEX_SLACK_MS)
      await indexAdd(user, score, idHash)
    }
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `redis ${op} kept changing user`)
  }

  /** Deletes a record (only `onlyUser`'s, unless ''), then its index entry; returns its user. */
  async function deleteRecord(op: string, idHash: string, onlyUser: string): Promise<unknown> {
    const key = keys.session(idHash)
    return redis.oneOrSplit(
      op,
      { script: DELETE_INDEXED_SESSION, keys: [key], args: [onlyUser, keys.userStart(), idHash] },
      (user) => user,
      async () => {
        const user = await redis.script(op, DELETE_SESSION, [key], [onlyUser])
        if (typeof user === 'string' && user !== '') await indexRemove(user, idHash)
        return user
      },
    )
  }

  async function get(idHash: string): Promise<SessionRecord | null> {
    const fields = await redis.hmGet('get', keys.session(idHash), SESSION_FIELDS)
    return decodeSession(idHash, fields, now())
  }

  async function liveIndexed(userId: string): Promise<SessionRecord[]> {
    const ids = (await redis.script('index', INDEX_LIVE, [keys.user(userId)], [now()])) as string[]
    const records = await Promise.all(ids.map(get))
    return records.filter((r): r is SessionRecord => r !== null && r.userId === userId)
  }

  return {
    get,

    async create(record) {
      const key = keys.session(record.idHash)
      const fields = encode(record)
      const userId = record.userId
      if (userId === null) {
        await redis.script('create', CREATE_SESSION, [key], [...fields, ''])
        return
      }
      // The index entry first, then the record: one script on a single node, two on Cluster.
      const score = String(record.expiresAt + INDEX_SLACK_MS)
      await redis.oneOrSplit(
        'create',
        {
          script: CREATE_INDEXED_SESSION,
          keys: [keys.user(userId), key],
          args: [now(), score, record.idHash, ...fields],
        },
        () => undefined,
        async () => {
          await indexAdd(userId, score, record.idHash)
          await redis.script('create', CREATE_SESSION, [key], [...fields, score])
        },
      )
    },

    async replace(record, expectedVersion) {
      const fields = encode(record)
      const previousUser = await withIndex(
        'replace',
        REPLACE_SESSION,
        record.idHash,
        (score) => [expectedVersion, ...fields, now(), score],
        record.expiresAt,
      )
      if (typeof previousUser !== 'string') return false
      if (previousUser !== '' && previousUser !== (record.userId ?? '')) {
        await indexRemove(previousUser, record.idHash)
      }
      return true
    },

    async touch(idHash, lastSeenAt, expiresAt) {
      await withIndex(
        'touch',
        TOUCH_SESSION,
        idHash,
        (score, user) => [lastSeenAt, expiresAt, now(), score, user],
        expiresAt,
      )
    },

    // The record first, then its index entry: one script on a single node, two on Cluster.
    async delete(idHash) {
      await deleteRecord('delete', idHash, '')
    },

    listByUser: liveIndexed,

    // Not one atomic step on Cluster (the records live in many slots): every session of the user
    // that exists when the call starts is deleted; one created concurrently may survive, as if
    // it had been created just after the call.
    async deleteByUser(userId, exceptIdHash) {
      const victims = (await liveIndexed(userId)).filter((r) => r.idHash !== exceptIdHash)
      const deleted = await Promise.all(
        victims.map(async (r) => {
          const user = await deleteRecord('deleteByUser', r.idHash, userId)
          return user === userId
        }),
      )
      return deleted.filter(Boolean).length
    },

    // Redis expires records itself; only a sweep at a future instant has work (redis-sweep.ts).
    async deleteExpired(at) {
      if (at <= now()) return 0
      let deleted = 0
      const start = keys.session('').length - 1 // where the idHash starts in a record key
      await redis.scan(`${globEscape(keys.prefix)}{s:*`, async (batch) => {
        for (const key of batch) {
          const user = await redis.script('deleteExpired', EXPIRE_SESSION, [key], [at])
          if (typeof user !== 'string') continue
          deleted++
          if (user !== '') await indexRemove(user, key.slice(start, -1))
        }
      })
      return deleted
    },
  }
}

function encode(record: SessionRecord): string[] {
  const rest = {
    data: record.data,
    createdAt: record.createdAt,
    authenticatedAt: record.authenticatedAt,
    meta: record.meta,
    maxAgeSeconds: record.maxAgeSeconds, // undefined (no choice at login) is left out by JSON
  }
  return [
    String(record.version),
    record.userId ?? '',
    String(record.expiresAt),
    String(record.lastSeenAt),
    JSON.stringify(rest),
  ]
}

function decodeSession(idHash: string, fields: unknown, now: number): SessionRecord | null {
  const [v, u, e, l, j] = fields as (string | null)[]
  if (v == null || u == null || e == null || l == null || j == null) return null
  const expiresAt = Number(e)
  if (expiresAt <= now) return null
  const rest = JSON.parse(j) as Pick<
    SessionRecord,
    'data' | 'createdAt' | 'authenticatedAt' | 'meta' | 'maxAgeSeconds'
  >
  return withLifetime(
    {
      idHash,
      userId: u === '' ? null : u,
      data: rest.data,
      version: Number(v),
      createdAt: rest.createdAt,
      authenticatedAt: rest.authenticatedAt,
      lastSeenAt: Number(l),
      expiresAt,
      meta: rest.meta,
    },
    rest.maxAgeSeconds,
  )
}
