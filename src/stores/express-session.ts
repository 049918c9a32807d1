// A tessera Store on top of any express-session store (connect-redis, connect-pg-simple,
// connect-mongo, express-session's MemoryStore, ...), for applications moving to tessera that
// want to keep the session infrastructure they already run.
//
// Values are written as express-session sessions, `{ cookie: { expires }, tessera: {...} }`, so
// the wrapped store computes its own TTL from `cookie.expires` exactly as it does for
// express-session, and expired records disappear the way they always did.
//
// What the callback API cannot give, and what this adapter does instead:
// - No compare-and-set: `replace` reads, compares the version and writes. Calls within one
//   process are serialised per record, so they never lose an update to each other; calls from
//   different processes can. The same holds for refresh-token `use` and `revokeFamily`.
// - No per-user index: `listByUser`, `deleteByUser` and `deleteExpired` read every session
//   with the store's optional `all()`, so they cost O(all sessions). Without `all()`,
//   `listByUser` and `deleteByUser` throw ERR_CONFIG_INVALID rather than answer wrongly, and
//   `deleteExpired` leaves expiry to the store's own TTL and returns 0.
// - Refresh tokens live in the same store, under `<keyPrefix>t:<idHash>`, with one record per
//   family (`<keyPrefix>f:<familyId>`) listing its tokens, so a family can be revoked.
import type { Clock } from '../clock.js'
import { TesseraError } from '../errors.js'
import { positiveInteger, rejectUnknown } from '../options.js'
import type {
  RefreshTokenRecord,
  RefreshTokenStore,
  SessionRecord,
  SessionStore,
  Store,
} from './store.js'

type Callback<T = unknown> = (err?: unknown, value?: T) => void

/** The callback API of an express-session store (`express-session`'s `Store` class). */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: Callback<unknown>): void
  set(sid: string, session: unknown, callback?: Callback): void
  destroy(sid: string, callback?: Callback): void
  /** Every session: an array (connect-redis) or an object keyed by sid (MemoryStore). */
  all?(callback: Callback<unknown>): void
}

export interface ExpressSessionAdapterOptions {
  /** The express-session store to wrap; the caller owns its connection. */
  readonly store: ExpressSessionStoreLike
  /** Put before every sid this adapter writes, so it can share the store with other data. Default `tessera:`. */
  readonly keyPrefix?: string
  /** A call that has not answered by then fails with ERR_STORE_UNAVAILABLE. Default 2000 ms. */
  readonly callTimeoutMs?: number
  /** Where the adapter reads the time (epoch ms). Default `Date`. */
  readonly clock?: Clock
}

interface Wrapped {
  readonly cookie: { readonly expires: string; readonly originalMaxAge: number | null }
  readonly tessera: {
    readonly ns: string
    readonly session?: SessionRecord
    readonly token?: RefreshTokenRecord
    readonly family?: { readonly members: string[]; readonly expiresAt: number }
  }
}

/**
 * Wraps an express-session store as a tessera Store. `replace` and refresh-token `use` are
 * atomic only within one process (see the file comment); with several app processes use the
 * Redis or PostgreSQL store. Per-user listing needs the wrapped store's `all()` and reads
 * every session.
 *
 * @example
 * const store = createExpressSessionAdapter({ store: new RedisStore({ client }) })
 */
export function createExpressSessionAdapter(options: ExpressSessionAdapterOptions): Store {
  rejectUnknown(
    options,
    ['store', 'keyPrefix', 'callTimeoutMs', 'clock'],
    'createExpressSessionAdapter()',
  )
  if (typeof options?.store?.get !== 'function' || typeof options.store.set !== 'function') {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'createExpressSessionAdapter takes { store }, with store an express-session store',
    )
  }
  const keyPrefix = options.keyPrefix ?? 'tessera:'
  const timeoutMs = positiveInteger(options, 'callTimeoutMs', 2000)
  const clock = options.clock ?? Date
  const io = createIo(options.store, keyPrefix, timeoutMs)
  return {
    sessions: adapterSessions(io, () => clock.now()),
    refreshTokens: adapterRefreshTokens(io),
  }
}

interface Io {
  read(op: string, sid: string): Promise<Wrapped['tessera'] | null>
  write(op: string, sid: string, value: Wrapped['tessera'], expiresAt: number): Promise<void>
  remove(op: string, sid: string): Promise<void>
  /** Every value this adapter wrote, or null when the store has no `all()`. */
  all(op: string): Promise<Wrapped['tessera'][] | null>
  /** Runs `fn` after every earlier call holding `sid`'s lock in this process has finished. */
  locked<T>(sid: string, fn: () => Promise<T>): Promise<T>
  /** The key prefix; values carry it too, so that `all()` can tell this adapter's apart. */
  readonly ns: string
  readonly sid: {
    session(idHash: string): string
    token(idHash: string): string
    family(id: string): string
  }
}

function createIo(store: ExpressSessionStoreLike, ns: string, timeoutMs: number): Io {
  const call = <T>(op: string, invoke: (cb: Callback<T>) => void) =>
    new Promise<T>((resolve, reject) => {
      const fail = (cause: unknown) =>
        reject(
          new TesseraError('ERR_STORE_UNAVAILABLE', `express-session store ${op} failed`, {
            cause,
          }),
        )
      const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      try {
        invoke((err, value) => {
          clearTimeout(timer)
          if (err) fail(err)
          else resolve(value as T)
        })
      } catch (err) {
        clearTimeout(timer)
        fail(err)
      }
    })
  // Copies in and out (JSON, as the records are JSON), whatever the wrapped store keeps.
  const mine = (value: unknown): Wrapped['tessera'] | null => {
    const t = (value as Partial<Wrapped> | null | undefined)?.tessera
    return t !== undefined && t !== null && t.ns === ns
      ? (JSON.parse(JSON.stringify(t)) as Wrapped['tessera'])
      : null
  }
  const locks = new Map<string, Promise<unknown>>()
  return {
    read: async (op, sid) => mine(await call(op, (cb) => store.get(sid, cb))),
    write: (op, sid, value, expiresAt) => {
      const wrapped: Wrapped = {
        cookie: { expires: new Date(expiresAt).toISOString(), originalMaxAge: null },
        tessera: JSON.parse(JSON.stringify(value)) as Wrapped['tessera'],
      }
      return call<unknown>(op, (cb) => store.set(sid, wrapped, cb)).then(() => undefined)
    },
    remove: (op, sid) => call<unknown>(op, (cb) => store.destroy(sid, cb)).then(() => undefined),
    async all(op) {
      if (typeof store.all !== 'function') return null
      const every = await call<unknown>(op, (cb) => store.all!(cb))
      const list = Array.isArray(every) ? every : Object.values(every ?? {})
      return list.map(mine).filter((t): t is Wrapped['tessera'] => t !== null)
    },
    locked(sid, fn) {
      const previous = locks.get(sid) ?? Promise.resolve()
      const next = previous.then(fn, fn)
      const settled = next.then(
        () => undefined,
        () => undefined,
      )
      locks.set(sid, settled)
      void settled.then(() => {
        if (locks.get(sid) === settled) locks.delete(sid)
      })
      return next
    },
    ns,
    sid: {
      session: (idHash) => `${ns}s:${idHash}`,
      token: (idHash) => `${ns}t:${idHash}`,
      family: (familyId) => `${ns}f:${familyId}`,
    },
  }
}

function noIndex(op: string): TesseraError {
  return new TesseraError(
    'ERR_CONFIG_INVALID',
    `${op} needs the wrapped express-session store to implement all()`,
  )
}

function adapterSessions(io: Io, now: () => number): SessionStore {
  const live = (t: Wrapped['tessera'] | null) =>
    t?.session !== undefined && t.session.expiresAt > now() ? t.session : null
  const save = (op: string, record: SessionRecord) =>
    io.write(op, io.sid.session(record.idHash), { ns: io.ns, session: record }, record.expiresAt)
  const sessionsOf = async (op: string, userId: string) => {
    const every = await io.all(op)
    if (every === null) throw noIndex(op)
    return every.map(live).filter((s): s is SessionRecord => s !== null && s.userId === userId)
  }
  return {
    get: async (idHash) => live(await io.read('get', io.sid.session(idHash))),
    create: (record) => io.locked(io.sid.session(record.idHash), () => save('create', record)),
    replace: (record, expectedVersion) =>
      io.locked(io.sid.session(record.idHash), async () => {
        const current = live(await io.read('replace', io.sid.session(record.idHash)))
        if (current === null || current.version !== expectedVersion) return false
        await save('replace', record)
        return true
      }),
    touch: (idHash, lastSeenAt, expiresAt) =>
      io.locked(io.sid.session(idHash), async () => {
        const current = live(await io.read('touch', io.sid.session(idHash)))
        if (current !== null) await save('touch', { ...current, lastSeenAt, expiresAt })
      }),
    delete: (idHash) =>
      io.locked(io.sid.session(idHash), () => io.remove('delete', io.sid.session(idHash))),
    listByUser: (userId) => sessionsOf('listByUser', userId),
    async deleteByUser(userId, exceptIdHash) {
      const victims = (await sessionsOf('deleteByUser', userId)).filter(
        (s) => s.idHash !== exceptIdHash,
      )
      for (const s of victims) {
        const sid = io.sid.session(s.idHash)
        await io.locked(sid, () => io.remove('deleteByUser', sid))
      }
      return victims.length
    },
    async deleteExpired(at) {
      const every = await io.all('deleteExpired')
      if (every === null) return 0 // the store expires sessions by cookie.expires itself
      const dead = every.flatMap((t) =>
        t.session !== undefined && t.session.expiresAt <= at ? [t.session.idHash] : [],
      )
      for (const idHash of dead) await io.remove('deleteExpired', io.sid.session(idHash))
      return dead.length
    },
  }
}

function adapterRefreshTokens(io: Io): RefreshTokenStore {
  const ns = io.ns
  const saveToken = (op: string, token: RefreshTokenRecord) =>
    io.write(op, io.sid.token(token.idHash), { ns, token }, token.expiresAt)
  return {
    async insert(record) {
      const familySid = io.sid.family(record.familyId)
      const tokenSid = io.sid.token(record.idHash)
      // Family, then token: the order revokeFamily takes them in.
      await io.locked(familySid, () =>
        io.locked(tokenSid, async () => {
          // A token already stored stays as it is (a rotation's successor may be issued twice).
          if ((await io.read('insert', tokenSid))?.token !== undefined) return
          const family = (await io.read('insert', familySid))?.family
          const members = [...(family?.members ?? []), record.idHash]
          const expiresAt = Math.max(family?.expiresAt ?? 0, record.expiresAt)
          await saveToken('insert', record)
          // The family's list lives as long as its longest-lived token.
          await io.write('insert', familySid, { ns, family: { members, expiresAt } }, expiresAt)
        }),
      )
    },
    use: (idHash, at) =>
      io.locked(io.sid.token(idHash), async () => {
        const token = (await io.read('use', io.sid.token(idHash)))?.token
        if (token === undefined || token.expiresAt <= at) return null
        if (token.usedAt === null) await saveToken('use', { ...token, usedAt: at })
        return token
      }),
    revokeFamily: (familyId, at) =>
      io.locked(io.sid.family(familyId), async () => {
        const family = (await io.read('revokeFamily', io.sid.family(familyId)))?.family
        let changed = 0
        for (const idHash of family?.members ?? []) {
          changed += await io.locked(io.sid.token(idHash), async () => {
            const token = (await io.read('revokeFamily', io.sid.token(idHash)))?.token
            if (token === undefined || token.revokedAt !== null) return 0
            await saveToken('revokeFamily', { ...token, revokedAt: at })
            return 1
          })
        }
        return changed
      }),
    async deleteExpired(at) {
      const every = await io.all('deleteExpired')
      if (every === null) return 0
      const dead = every.flatMap((t) =>
        t.token !== undefined && t.token.expiresAt <= at ? [t.token.idHash] : [],
      )
      for (const idHash of dead) await io.remove('deleteExpired', io.sid.token(idHash))
      return dead.length
    },
  }
}
