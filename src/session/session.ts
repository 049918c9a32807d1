// The per-request session object (`req.session`): typed data with per-key change tracking,
// `update(fn)` as a compare-and-set that re-runs on conflict, and the lifecycle calls. Writes go
// through the carrier; the rules (timeouts, retries, events, keys) come from the manager.
import { TesseraError, type TesseraErrorCode } from '../errors.js'
import type { SessionRecord } from '../stores/store.js'
import type { Carrier, CarrierRequest, CarrierWrite, SessionDraft } from './carrier.js'

/**
 * The application's session data, declared once by augmenting this interface (or by passing a
 * type to `session<Data>()`); every property should be optional, since a new session starts
 * empty. Values must be JSON-serialisable.
 *
 * @example
 * declare module 'tessera' {
 *   interface SessionData { username?: string; count?: number }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by augmentation
export interface SessionData {}

/** One of a user's live sessions, as `list()` shows it. Holds no secret. */
export interface SessionInfo {
  /** A public handle for `revoke(handle)`: derived from, but not revealing, the session id. */
  readonly handle: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly authenticatedAt: number | null
  readonly ip?: string
  readonly userAgent?: string
  /** True for the session of the request that asked. */
  readonly current: boolean
}

/** Options of `login`. */
export interface LoginOptions<Data> {
  /** Values to set in the new session, on top of what is kept. */
  readonly data?: Partial<Data> | undefined
  /**
   * What the new session keeps of the pre-login data: `true` (default) all of it, `false` none,
   * or an allow-list of keys (SECURITY-CHECKLIST FX-2).
   */
  readonly keepData?: boolean | readonly (keyof Data & string)[] | undefined
}

/** The session of one request, as handlers see it (`req.session`). */
export interface RequestSession<Data extends object = SessionData> {
  /** The signed-in user, or null. */
  readonly userId: string | null
  /** When the user logged in (epoch ms), or null. */
  readonly authenticatedAt: number | null
  /** A public, non-secret handle of this session (for `list`/`revoke`), or null if none yet. */
  readonly handle: string | null
  /** True until the session exists in the store (and always for a visitor who wrote nothing). */
  readonly isNew: boolean
  /** The data; plain assignments are tracked per key and committed before the response. */
  data: Data
  /**
   * Atomic read-modify-write: re-runs `fn` on a fresh copy when another request wrote first.
   * With the `cookie` carrier there is no server copy to compare with: each response carries the
   * whole state, so of two concurrent requests the last response wins (CO-6).
   */
  update(fn: (data: Data) => void): Promise<void>
  /** Signs `userId` in under a new session id (the old one is dead at once). */
  login(userId: string, options?: LoginOptions<Data>): Promise<void>
  /** Deletes the session and clears its cookie. */
  logout(): Promise<void>
  /** Ends every session of this user; returns how many ended. */
  logoutEverywhere(options?: { readonly exceptCurrent?: boolean }): Promise<number>
  /** This user's live sessions ("your devices"). */
  list(): Promise<SessionInfo[]>
  /** Ends one of this user's sessions by handle; false if the user has no such session. */
  revoke(handle: string): Promise<boolean>
  /** The per-session CSRF token for HTML forms; creates the session if needed. */
  csrfToken(): Promise<string>
  /** True when `token` is this session's CSRF token. */
  verifyCsrfToken(token: unknown): boolean
}

/** What happened to a session, for logs and metrics (`onEvent`). Carries no secret. */
export type SessionEvent =
  | { readonly type: 'created'; readonly userId: string | null; readonly handle: string }
  | { readonly type: 'rotated'; readonly userId: string; readonly handle: string }
  | { readonly type: 'destroyed'; readonly userId: string | null; readonly count: number }
  | { readonly type: 'expired'; readonly userId: string | null }
  | { readonly type: 'rejected'; readonly code: TesseraErrorCode }
  | { readonly type: 'write-failed'; readonly code: TesseraErrorCode }
  /** A used refresh token came back (token carrier): its whole family was revoked (RT-3). */
  | {
      readonly type: 'refresh-token-reused'
      readonly userId: string | null
      readonly count: number
    }

/** Where a session's writes put their response headers (implemented by each adapter). */
export interface ResponseSink {
  /** Appends serialised `Set-Cookie` values. */
  setCookies(values: readonly string[]): void
  /** The request is now authenticated: responses must not be cached (CK-9). */
  authenticated(): void
  /** The session was logged out (the adapter may send `Clear-Site-Data`). */
  loggedOut(): void
  /** What a session method throws for `err` (an adapter adds its HTTP status). */
  presentError(err: unknown): unknown
}

/** The manager's rules, as a session needs them. Internal to tessera. */
export interface SessionContext {
  readonly carrier: Carrier
  readonly maxUpdateAttempts: number
  now(): number
  /** `expiresAt` for a session created at `createdAt` and seen at `now`. */
  expiresAt(createdAt: number, now: number): number
  touchDue(record: SessionRecord, now: number): boolean
  handleOf(idHash: string): string
  csrfTokenOf(idHash: string): string
  verifyCsrf(idHash: string, token: unknown): boolean
  emit(event: SessionEvent): void
  /** Runs writes to one session one at a time within this process (CAS still guards across processes). */
  serialize<T>(idHash: string, fn: () => Promise<T>): Promise<T>
  /** Waits a little before retrying after a lost compare-and-set (jittered, grows with `attempt`). */
  backoff(attempt: number): Promise<void>
}

type Json = Record<string, unknown>

/** The session object the manager hands to an adapter for one request. */
export class Session<Data extends object = SessionData> implements RequestSession<Data> {
  #ctx: SessionContext
  #request: CarrierRequest
  #sink: ResponseSink
  #record: SessionRecord | null
  /** The stored data as last read or written; never handed out, never mutated. */
  #baseline: Json
  /** The handler's copy, made on first access of `data`. */
  #working: Json | undefined
  #handle: string | null = null
  /** A state-changing cross-site request: it may not create a session (login CSRF, CS-3). */
  #crossSite: boolean
  #dirty: string[] | null = null

  constructor(
    ctx: SessionContext,
    request: CarrierRequest,
    sink: ResponseSink,
    record: SessionRecord | null,
    crossSite: boolean,
  ) {
    this.#ctx = ctx
    this.#request = request
    this.#sink = sink
    this.#record = record
    this.#baseline = (record?.data as Json | undefined) ?? {}
    this.#crossSite = crossSite
  }

  get userId(): string | null {
    return this.#record?.userId ?? null
  }

  get authenticatedAt(): number | null {
    return this.#record?.authenticatedAt ?? null
  }

  get isNew(): boolean {
    return this.#record === null
  }

  get handle(): string | null {
    if (this.#record === null) return null
    this.#handle ??= this.#ctx.handleOf(this.#record.idHash)
    return this.#handle
  }

  get data(): Data {
    this.#working ??= clone(this.#baseline)
    return this.#working as Data
  }

  set data(value: Data) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError('session data must be a plain object')
    }
    this.#working = value as Json
  }

  update(fn: (data: Data) => void): Promise<void> {
    return this.#guard(this.#update(fn))
  }

  async #update(fn: (data: Data) => void): Promise<void> {
    const current = this.#record
    if (current === null) {
      const draft = this.#effectiveData()
      fn(draft as Data)
      await this.#create(null, draft)
      return
    }
    const written = await this.#ctx.serialize(current.idHash, () =>
      this.#compareAndSet(current, (fresh) => {
        const draft = overlay(clone(fresh.data), this.#working, this.#baseline)
        fn(draft as Data)
        return draft
      }),
    )
    this.#adopt(written)
  }

  login(userId: string, options: LoginOptions<Data> = {}): Promise<void> {
    return this.#guard(this.#login(userId, options))
  }

  async #login(userId: string, options: LoginOptions<Data> = {}): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new TesseraError('ERR_CONFIG_INVALID', 'login(userId) needs a non-empty string')
    }
    this.#refuseCrossSite()
    const keep = options.keepData ?? true
    const previous = this.#effectiveData()
    const data: Json = keep === true ? previous : keep === false ? {} : pick(previous, keep)
    if (options.data !== undefined) Object.assign(data, clone(options.data as Json))
    const old = this.#record
    await this.#create(userId, data)
    // FX-1: the pre-login id dies now, not at its timeout. Its clearing cookie is not sent: the
    // new cookie has the same name.
    if (old !== null) await this.#ctx.carrier.destroy(old.idHash, this.#request)
    this.#sink.authenticated()
  }

  logout(): Promise<void> {
    return this.#guard(this.#logout())
  }

  async #logout(): Promise<void> {
    const old = this.#record
    const cookies =
      old === null
        ? this.#ctx.carrier.clearCookies(this.#request)
        : await this.#ctx.carrier.destroy(old.idHash, this.#request)
    this.#forget()
    this.#sink.setCookies(cookies)
    this.#sink.loggedOut()
    if (old !== null) this.#ctx.emit({ type: 'destroyed', userId: old.userId, count: 1 })
  }

  logoutEverywhere(options: { readonly exceptCurrent?: boolean } = {}): Promise<number> {
    return this.#guard(this.#logoutEverywhere(options))
  }

  async #logoutEverywhere(options: { readonly exceptCurrent?: boolean } = {}): Promise<number> {
    const current = this.#record
    if (current?.userId == null) return 0
    const except = options.exceptCurrent === true ? current.idHash : undefined
    const count = await this.#ctx.carrier.deleteByUser(current.userId, except)
    this.#ctx.emit({ type: 'destroyed', userId: current.userId, count })
    if (except === undefined) this.#endedHere()
    return count
  }

  list(): Promise<SessionInfo[]> {
    return this.#guard(this.#list())
  }

  async #list(): Promise<SessionInfo[]> {
    const userId = this.#record?.userId
    if (userId == null) return []
    const now = this.#ctx.now()
    const records = await this.#ctx.carrier.listByUser(userId)
    return records
      .filter((r) => now < Math.min(r.expiresAt, this.#ctx.expiresAt(r.createdAt, r.lastSeenAt)))
      .map((r) => this.#info(r))
  }

  revoke(handle: string): Promise<boolean> {
    return this.#guard(this.#revoke(handle))
  }

  async #revoke(handle: string): Promise<boolean> {
    const userId = this.#record?.userId
    if (userId == null || typeof handle !== 'string') return false
    const records = await this.#ctx.carrier.listByUser(userId)
    const target = records.find((r) => this.#ctx.handleOf(r.idHash) === handle)
    if (target === undefined) return false
    await this.#ctx.carrier.destroy(target.idHash, this.#request)
    this.#ctx.emit({ type: 'destroyed', userId, count: 1 })
    if (target.idHash === this.#record?.idHash) this.#endedHere()
    return true
  }

  csrfToken(): Promise<string> {
    return this.#guard(this.#csrfToken())
  }

  async #csrfToken(): Promise<string> {
    if (this.#record === null) await this.#create(null, this.#effectiveData())
    return this.#ctx.csrfTokenOf((this.#record as SessionRecord).idHash)
  }

  verifyCsrfToken(token: unknown): boolean {
    return this.#record !== null && this.#ctx.verifyCsrf(this.#record.idHash, token)
  }

  /** Lets the adapter present a failure of a public method (store down, CSRF, conflict). */
  async #guard<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending
    } catch (err) {
      throw this.#sink.presentError(err)
    }
  }

  /**
   * True when the end of the request has something to write: changed keys (or a first write of
   * a new session), or a due touch. Computes the changed keys once for `commit`.
   */
  needsCommit(): boolean {
    this.#dirty = this.#changedKeys()
    if (this.#dirty.length > 0) return true
    return this.#record !== null && this.#ctx.touchDue(this.#record, this.#ctx.now())
  }

  /** Forgets plain assignments not yet committed (the response is an error). */
  discardPending(): void {
    this.#working = undefined
    this.#dirty = []
  }

  /**
   * Commits plain assignments (merged per key onto the latest stored data), or touches an
   * unchanged session whose touch is due. `canSetCookies` is false once the response headers
   * are out: a session that does not exist yet can then not be created (no way to send its id).
   */
  async commit(canSetCookies: boolean): Promise<void> {
    const dirty = this.#dirty ?? this.#changedKeys()
    this.#dirty = null
    const current = this.#record
    if (current === null) {
      if (dirty.length === 0) return
      if (!canSetCookies) {
        this.#ctx.emit({ type: 'write-failed', code: 'ERR_COOKIE_INVALID' })
        return
      }
      await this.#create(null, this.#effectiveData())
      return
    }
    if (dirty.length === 0) {
      const now = this.#ctx.now()
      const touched = {
        ...current,
        lastSeenAt: now,
        expiresAt: this.#ctx.expiresAt(current.createdAt, now),
      }
      this.#adopt(await this.#ctx.carrier.touch(touched, this.#request))
      return
    }
    const working = this.#working as Json
    const written = await this.#ctx.serialize(current.idHash, () =>
      this.#compareAndSet(current, (fresh) => merge(fresh.data, working, dirty)),
    )
    this.#adopt(written)
  }

  /** CAS loop: derive the next data from the freshest record, write, re-read on conflict. */
  async #compareAndSet(
    start: SessionRecord,
    next: (fresh: SessionRecord) => Json,
  ): Promise<CarrierWrite> {
    let fresh: SessionRecord | null = start
    for (let attempt = 1; fresh !== null; attempt++) {
      const now = this.#ctx.now()
      const record: SessionRecord = {
        ...fresh,
        data: next(fresh),
        version: fresh.version + 1,
        lastSeenAt: now,
        expiresAt: this.#ctx.expiresAt(fresh.createdAt, now),
      }
      const written = await this.#ctx.carrier.replace(record, fresh.version, this.#request)
      if (written !== null) return written
      if (attempt >= this.#ctx.maxUpdateAttempts) {
        throw new TesseraError(
          'ERR_SESSION_CONFLICT',
          `session write lost the version check ${attempt} times; giving up`,
        )
      }
      await this.#ctx.backoff(attempt)
      fresh = await this.#ctx.carrier.reload(fresh.idHash)
    }
    this.#forget()
    throw new TesseraError('ERR_SESSION_NOT_FOUND', 'the session ended while it was being written')
  }

  async #create(userId: string | null, data: Json): Promise<void> {
    this.#refuseCrossSite()
    const now = this.#ctx.now()
    const draft: SessionDraft = {
      userId,
      data,
      version: 1,
      createdAt: now,
      authenticatedAt: userId === null ? null : now,
      lastSeenAt: now,
      expiresAt: this.#ctx.expiresAt(now, now),
      meta: meta(this.#request),
    }
    const previous = this.#record
    const written = await this.#ctx.carrier.create(draft, this.#request)
    this.#adopt(written)
    const handle = this.handle as string
    if (userId !== null && previous !== null) this.#ctx.emit({ type: 'rotated', userId, handle })
    else this.#ctx.emit({ type: 'created', userId, handle })
  }

  #adopt(written: CarrierWrite): void {
    if (written.record.idHash !== this.#record?.idHash) this.#handle = null
    this.#record = written.record
    this.#baseline = written.record.data as Json
    if (this.#working !== undefined) replaceContents(this.#working, clone(this.#baseline))
    if (written.setCookies.length > 0) this.#sink.setCookies(written.setCookies)
  }

  #forget(): void {
    this.#record = null
    this.#handle = null
    this.#baseline = {}
    if (this.#working !== undefined) replaceContents(this.#working, {})
  }

  /** The current session was ended by a bulk call: clear its cookie like a logout. */
  #endedHere(): void {
    this.#forget()
    this.#sink.setCookies(this.#ctx.carrier.clearCookies(this.#request))
    this.#sink.loggedOut()
  }

  #changedKeys(): string[] {
    return this.#working === undefined ? [] : changedKeys(this.#working, this.#baseline)
  }

  #effectiveData(): Json {
    return clone(this.#working ?? this.#baseline)
  }

  #refuseCrossSite(): void {
    if (this.#crossSite) {
      throw new TesseraError('ERR_CSRF_REJECTED', 'a cross-site request may not start a session')
    }
  }

  #info(r: SessionRecord): SessionInfo {
    return {
      handle: this.#ctx.handleOf(r.idHash),
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      authenticatedAt: r.authenticatedAt,
      ...(r.meta.ip === undefined ? {} : { ip: r.meta.ip }),
      ...(r.meta.userAgent === undefined ? {} : { userAgent: r.meta.userAgent }),
      current: r.idHash === this.#record?.idHash,
    }
  }
}

function meta(request: CarrierRequest): SessionRecord['meta'] {
  return {
    ...(request.ip === undefined ? {} : { ip: request.ip }),
    ...(request.userAgent === undefined ? {} : { userAgent: request.userAgent.slice(0, 256) }),
  }
}

/** A deep copy through JSON: session data must be JSON anyway, and this keeps it so. */
function clone(data: Readonly<Json>): Json {
  return JSON.parse(JSON.stringify(data)) as Json
}

/** Keys whose JSON differs between the handler's copy and the stored data. */
function changedKeys(working: Json, baseline: Json): string[] {
  const keys: string[] = []
  for (const key of Object.keys(working)) {
    if (JSON.stringify(working[key]) !== JSON.stringify(baseline[key])) keys.push(key)
  }
  for (const key of Object.keys(baseline)) {
    if (!Object.hasOwn(working, key)) keys.push(key)
  }
  return keys
}

/** The latest stored data with this request's changed keys laid over it. */
function merge(fresh: Readonly<Json>, working: Json, keys: readonly string[]): Json {
  const out = clone(fresh)
  for (const key of keys) {
    if (Object.hasOwn(working, key)) setOwn(out, key, clone({ v: working[key] }).v)
    else delete out[key]
  }
  return out
}

/** `fresh` with every key the handler changed (compared with `baseline`) laid over it. */
function overlay(fresh: Json, working: Json | undefined, baseline: Json): Json {
  return working === undefined ? fresh : merge(fresh, working, changedKeys(working, baseline))
}

function pick(data: Json, keys: readonly string[]): Json {
  const out: Json = {}
  for (const key of keys) if (Object.hasOwn(data, key)) setOwn(out, key, data[key])
  return out
}

/** Sets an own property even for `__proto__`, which plain assignment would treat as the prototype. */
function setOwn(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  })
}

/** Makes `target` hold exactly `source`'s keys, so references the handler kept stay current. */
function replaceContents(target: Json, source: Json): void {
  for (const key of Object.keys(target)) delete target[key]
  for (const key of Object.keys(source)) setOwn(target, key, source[key])
}
