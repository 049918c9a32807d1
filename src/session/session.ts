// The per-request session object (`req.session`): typed data with per-key change tracking,
// `update(fn)` as a compare-and-set that re-runs on conflict, and the lifecycle calls. Writes go
// through the carrier; the rules (timeouts, retries, events, keys) come from the manager.
import { isTesseraError, TesseraError } from '../errors.js'
import { withLifetime, type SessionRecord } from '../stores/store.js'
import type {
  Carrier,
  CarrierRequest,
  CarrierWrite,
  IssuedTokens,
  SessionDraft,
} from './carrier.js'
import type { ChainedWrite } from './write-chain.js'
import type {
  CommittableSession,
  LoginOptions,
  RequestSession,
  ResponseSink,
  SessionData,
  SessionEvent,
  SessionInfo,
  TokenResponse,
} from './request-session.js'
import {
  changedKeys,
  checkDataValue,
  clone,
  merge,
  overlay,
  pick,
  replaceContents,
  type Json,
} from './session-data.js'

/** The manager's rules, as a session needs them. Internal to tessera. */
export interface SessionContext {
  readonly carrier: Carrier
  now(): number
  /**
   * `expiresAt` for a session seen at `now`: the idle deadline (the idle timeout, or the
   * lifetime chosen at login when longer), capped by the absolute one from `createdAt`.
   */
  expiresAt(session: Pick<SessionRecord, 'createdAt' | 'maxAgeSeconds'>, now: number): number
  /** Checks `login`'s options; the lifetime the new session keeps (`SessionRecord.maxAgeSeconds`). */
  loginLifetime(options: unknown): SessionRecord['maxAgeSeconds']
  /** Whether `record` is alive at `now`: before both its stored expiry and the idle and absolute deadlines. */
  isLive(record: SessionRecord, now: number): boolean
  touchDue(record: SessionRecord, now: number): boolean
  handleOf(idHash: string): string
  csrfTokenOf(idHash: string): string
  verifyCsrf(idHash: string, token: unknown): boolean
  /** The stateless CSRF token of a visitor without a session, and its pre-session cookie. */
  readonly preSession: PreSessionCsrf
  /** True when someone hears events (`onEvent`), so events are worth building. */
  readonly listening: boolean
  emit(event: SessionEvent): void
  /**
   * True when a write of this session (null: a new one) can be made synchronously now: the
   * carrier's store answers at once and no write of it is in flight in this process.
   */
  writesNow(idHash: string | null): boolean
  /**
   * Runs a write of one session after those in flight in this process (CAS still guards across
   * processes), bounded retries on a lost version check included (write-chain.ts).
   */
  serialize(idHash: string, write: ChainedWrite): Promise<CarrierWrite>
}

/**
 * A visitor without a session gets a CSRF token bound to a random pre-session cookie (signed
 * double submit) instead of a stored session: rendering a form writes nothing to any store.
 */
export interface PreSessionCsrf {
  /** The well-formed value of the request's pre-session cookie, or null. */
  read(request: CarrierRequest): string | null
  /** A fresh value and the `Set-Cookie` that gives it to the browser. */
  start(request: CarrierRequest): { readonly value: string; readonly setCookie: string }
  /** The `Set-Cookie` that deletes it (once the visitor has a session of their own). */
  clear(request: CarrierRequest): string
  issue(value: string): string
  verify(value: string | null, token: unknown): boolean
}

/** The session object the manager hands to an adapter for one request. */
export class Session<Data extends object = SessionData>
  implements RequestSession<Data>, CommittableSession
{
  #ctx: SessionContext
  #request: CarrierRequest
  #sink: ResponseSink
  #record: SessionRecord | null
  /** The stored data as last read or written; never handed out, never mutated. */
  #baseline: Json
  /** The handler's copy, made on first access of `data`. */
  #working: Json | undefined
  /** `#working` behind the proxy that checks assignments; made on first access of `data`. */
  #view: Json | undefined
  #handle: string | null = null
  /**
   * Why this state-changing request counts as cross-site, or null: such a request may not create
   * a session (login CSRF, CS-3).
   */
  #crossSite: string | null
  #dirty: string[] | null = null
  /** The store could not load this request's session: served anonymously, it may not write. */
  #storeDown: boolean
  /** The tokens the latest write issued (token carrier), for `tokens()`. */
  #tokens: IssuedTokens | null = null
  /** The pre-session cookie's value this request read or set (visitors without a session). */
  #preSession: string | null = null
  /** True once the sink was told that the end of the request may have something to commit. */
  #held = false

  /**
   * `record`: the loaded record, null for no session. `crossSite`: why the request failed the
   * CSRF check (it may read, never start a session), or null. `storeDown`: the store failed and
   * the request is served without a session (the `'anonymous'` policy).
   */
  constructor(
    ctx: SessionContext,
    request: CarrierRequest,
    sink: ResponseSink,
    record: SessionRecord | null,
    crossSite: string | null,
    storeDown = false,
  ) {
    this.#storeDown = storeDown
    this.#ctx = ctx
    this.#request = request
    this.#sink = sink
    this.#record = record
    this.#baseline = (record?.data as Json | undefined) ?? EMPTY
    this.#crossSite = crossSite
    if (record !== null && ctx.touchDue(record, ctx.now())) this.#hold()
  }

  /** Tells the sink, once, that the end of the request may have something to commit. */
  #hold(): void {
    if (this.#held) return
    this.#held = true
    this.#sink.holdForCommit?.(this)
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
    if (this.#working === undefined) {
      this.#working = clone(this.#baseline)
      this.#view = undefined
      this.#hold()
    }
    this.#view ??= this.#checkedView(this.#working)
    return this.#view as Data
  }

  set data(value: Data) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError('session data must be a plain object')
    }
    this.#checkData(value as Json)
    this.#working = value as Json
    this.#view = undefined
    this.#hold()
  }

  /**
   * The handler's view of its copy: a top-level assignment of a value that cannot be stored
   * throws there, naming the key, instead of failing the write after the handler returned.
   * (A change deep inside a value is checked when it is written.)
   */
  #checkedView(working: Json): Json {
    return new Proxy(working, new CheckedAssignments(this.#ctx.carrier, this.#sink))
  }

  /** Checks every key of `data` as an assignment would. */
  #checkData(data: Json): void {
    for (const key of Object.keys(data)) checkDataValue(key, data[key])
    this.#ctx.carrier.checkData?.(data, null)
  }

  update(fn: (data: Data) => void): Promise<void> {
    return this.#settled(() => this.#update(fn))
  }

  #update(fn: (data: Data) => void): void | Promise<void> {
    const current = this.#record
    if (current === null) {
      const draft = this.#effectiveData()
      fn(draft as Data)
      this.#checkData(draft)
      return this.#create(null, draft)
    }
    const derive = (fresh: SessionRecord): Json => {
      const draft = overlay(clone(fresh.data), this.#working, this.#baseline)
      fn(draft as Data)
      this.#checkData(draft)
      return draft
    }
    return this.#write(current, derive)
  }

  /**
   * Writes the data `derive` makes from the freshest record: at once when the store answers at
   * once and nothing of this session is in flight here, else (or after a lost version check)
   * chained behind this process's other writes of the session, with retries.
   */
  #write(
    current: SessionRecord,
    derive: (fresh: SessionRecord) => Json,
    workingIsResult = false,
  ): void | Promise<void> {
    if (this.#ctx.writesNow(current.idHash)) {
      const record = this.#nextRecord(current, derive(current))
      const written = this.#ctx.carrier.replaceNow!(record, current.version, this.#request)
      if (written !== null) return this.#adopt(written, workingIsResult)
    }
    return this.#ctx
      .serialize(current.idHash, {
        loaded: current,
        request: this.#request,
        next: (fresh) => this.#nextRecord(fresh, derive(fresh)),
        gone: () => this.#forget(),
      })
      .then((written) => this.#adopt(written))
  }

  login(userId: string, options: LoginOptions<Data> = {}): Promise<void> {
    return this.#settled(() => this.#login(userId, options))
  }

  #login(userId: string, options: LoginOptions<Data>): void | Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new TesseraError('ERR_CONFIG_INVALID', 'login(userId) needs a non-empty string')
    }
    const lifetime = this.#ctx.loginLifetime(options)
    this.#refuseCrossSite()
    const keep = options.keepData ?? true
    const previous = this.#effectiveData()
    const data: Json = keep === true ? previous : keep === false ? {} : pick(previous, keep)
    if (options.data !== undefined) {
      this.#checkData(options.data as Json)
      Object.assign(data, clone(options.data as Json))
    }
    const old = this.#record
    const created = this.#create(userId, data, lifetime)
    if (created !== undefined) return created.then(() => this.#loggedIn(old))
    return this.#loggedIn(old)
  }

  #loggedIn(old: SessionRecord | null): void | Promise<void> {
    // FX-1: the pre-login id dies now, not at its timeout. Its clearing cookie is not sent: the
    // new cookie has the same name.
    if (old !== null) {
      return this.#ctx.carrier.destroy(old.idHash, this.#request).then(() => this.#signedIn())
    }
    this.#signedIn()
  }

  #signedIn(): void {
    // The pre-session cookie has done its work: from now on the session's own token counts.
    if (this.#ctx.preSession.read(this.#request) !== null) {
      this.#sink.setCookies([this.#ctx.preSession.clear(this.#request)])
    }
    this.#sink.authenticated()
  }

  logout(): Promise<void> {
    return this.#guard(this.#logout())
  }

  async #logout(): Promise<void> {
    this.#refuseWhileStoreDown()
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
    return records.filter((r) => this.#ctx.isLive(r, now)).map((r) => this.#info(r))
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
    if (this.#record !== null) return this.#ctx.csrfTokenOf(this.#record.idHash)
    // The browser may hold a live session the store could not read: no token for another one.
    this.#refuseWhileStoreDown()
    // No session: a stateless token bound to the pre-session cookie; nothing is stored.
    if (this.#preSession === null) {
      const pre = this.#ctx.preSession
      this.#preSession = pre.read(this.#request)
      if (this.#preSession === null) {
        const started = pre.start(this.#request)
        this.#sink.setCookies([started.setCookie])
        this.#preSession = started.value
      }
    }
    return this.#ctx.preSession.issue(this.#preSession)
  }

  verifyCsrfToken(token: unknown): boolean {
    const record = this.#record
    if (record !== null && this.#ctx.verifyCsrf(record.idHash, token)) return true
    // A signed-in session accepts only its own token; a visitor's, also the pre-session one
    // (a form rendered before the visitor's first write made a session).
    if (record?.userId != null) return false
    const pre = this.#ctx.preSession
    return pre.verify(this.#preSession ?? pre.read(this.#request), token)
  }

  tokens(): TokenResponse | null {
    return this.#tokens === null ? null : tokenResponse(this.#tokens)
  }

  /**
   * Runs a write that may finish synchronously: a promise only when it did not, and a failure
   * presented by the adapter either way.
   */
  #settled(run: () => void | Promise<void>): Promise<void> {
    let pending: void | Promise<void>
    try {
      pending = run()
    } catch (err) {
      return Promise.reject(this.#sink.presentError(err) as Error)
    }
    return pending === undefined ? DONE : this.#guard(pending)
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
    return this.commitNow(canSetCookies)
  }

  /** `commit`, returning nothing when it finished synchronously; throws what it fails with. */
  commitNow(canSetCookies: boolean): void | Promise<void> {
    try {
      const pending = this.#commitPending(canSetCookies)
      return pending === undefined
        ? undefined
        : pending.catch((err: unknown) => this.#commitFailed(err))
    } catch (err) {
      return this.#commitFailed(err)
    }
  }

  /** Never silent: the adapter hands the error to the framework, and listeners hear its code. */
  #commitFailed(err: unknown): never {
    this.#ctx.emit({ type: 'commit-failed', code: isTesseraError(err) ? err.code : null })
    throw err
  }

  #commitPending(canSetCookies: boolean): void | Promise<void> {
    const dirty = this.#dirty ?? this.#changedKeys()
    this.#dirty = null
    for (const key of dirty) checkDataValue(key, this.#working?.[key])
    const current = this.#record
    if (current === null) {
      if (dirty.length === 0) return
      if (!canSetCookies) {
        this.#ctx.emit({ type: 'write-failed', code: 'ERR_COOKIE_INVALID' })
        return
      }
      return this.#create(null, this.#effectiveData())
    }
    if (dirty.length === 0) {
      const now = this.#ctx.now()
      const touched = recordAt(current, current.data, current.version, now, this.#ctx)
      const carrier = this.#ctx.carrier
      if (this.#ctx.writesNow(current.idHash)) {
        return this.#adopt(carrier.touchNow!(touched, this.#request))
      }
      return carrier.touch(touched, this.#request).then((written) => this.#adopt(written))
    }
    const working = this.#working as Json
    // Merged onto the loaded record itself (the synchronous path), the written data is the
    // handler's copy, key for key: #adopt need not refill it.
    return this.#write(current, (fresh) => merge(fresh.data, working, dirty), true)
  }

  /** The next version of `fresh`, holding `data`, seen now. */
  #nextRecord(fresh: SessionRecord, data: Json): SessionRecord {
    return recordAt(fresh, data, fresh.version + 1, this.#ctx.now(), this.#ctx)
  }

  /**
   * Starts a new session holding `data`, synchronously when the store answers at once;
   * `lifetime` is the one chosen at login (absent: the manager's defaults).
   */
  #create(
    userId: string | null,
    data: Json,
    lifetime?: SessionRecord['maxAgeSeconds'],
  ): void | Promise<void> {
    this.#refuseWhileStoreDown()
    this.#refuseCrossSite()
    const now = this.#ctx.now()
    const chosen = lifetime === undefined ? {} : { maxAgeSeconds: lifetime }
    const draft: SessionDraft = {
      userId,
      data,
      version: 1,
      createdAt: now,
      authenticatedAt: userId === null ? null : now,
      lastSeenAt: now,
      expiresAt: this.#ctx.expiresAt({ createdAt: now, ...chosen }, now),
      meta: meta(this.#request),
      ...chosen,
    }
    const previous = this.#record
    const carrier = this.#ctx.carrier
    if (carrier.createNow !== undefined && this.#ctx.writesNow(null)) {
      return this.#created(carrier.createNow(draft, this.#request), userId, previous)
    }
    return carrier
      .create(draft, this.#request)
      .then((written) => this.#created(written, userId, previous))
  }

  #created(written: CarrierWrite, userId: string | null, previous: SessionRecord | null): void {
    this.#adopt(written)
    if (!this.#ctx.listening) return // the handle costs an HMAC: only for a listener
    const handle = this.handle as string
    if (userId !== null && previous !== null) this.#ctx.emit({ type: 'rotated', userId, handle })
    else this.#ctx.emit({ type: 'created', userId, handle })
  }

  /**
   * Takes what a write stored as this session's state. `workingIsResult`: the handler's copy
   * already holds exactly the written data (a commit merged onto the record this request loaded),
   * so it is kept as it is instead of being refilled.
   */
  #adopt(written: CarrierWrite, workingIsResult = false): void {
    const sameSession = written.record.idHash === this.#record?.idHash
    if (!sameSession) this.#handle = null
    if (written.tokens !== undefined) {
      // A later write in the same request re-signs the access token; the family's refresh token stays.
      const refreshToken =
        written.tokens.refreshToken ?? (sameSession ? this.#tokens?.refreshToken : undefined)
      this.#tokens = { ...written.tokens, ...(refreshToken === undefined ? {} : { refreshToken }) }
    }
    this.#record = written.record
    this.#baseline = written.record.data as Json
    if (this.#working !== undefined && !workingIsResult) {
      replaceContents(this.#working, clone(this.#baseline))
    }
    if (written.setCookies.length > 0) this.#sink.setCookies(written.setCookies)
  }

  #forget(): void {
    this.#tokens = null
    this.#record = null
    this.#handle = null
    this.#baseline = EMPTY
    if (this.#working !== undefined) replaceContents(this.#working, {})
  }

  /** The current session was ended by a bulk call: clear its cookie like a logout. */
  #endedHere(): void {
    this.#forget()
    this.#sink.setCookies(this.#ctx.carrier.clearCookies(this.#request))
    this.#sink.loggedOut()
  }

  #changedKeys(): string[] {
    if (this.#working === undefined) return []
    try {
      return changedKeys(this.#working, this.#baseline)
    } catch (err) {
      // A cycle made deep inside a value (which no assignment trap sees) overflows the compare:
      // name the key instead.
      for (const key of Object.keys(this.#working)) checkDataValue(key, this.#working[key])
      throw err
    }
  }

  #effectiveData(): Json {
    return clone(this.#working ?? this.#baseline)
  }

  #refuseCrossSite(): void {
    if (this.#crossSite !== null) {
      throw new TesseraError(
        'ERR_CSRF_REJECTED',
        `a cross-site request may not start a session: ${this.#crossSite}`,
      )
    }
  }

  // The cookie the browser holds may name a live session the store could not read;
  // creating a session or clearing the cookie now would drop it silently.
  #refuseWhileStoreDown(): void {
    if (this.#storeDown) {
      throw new TesseraError(
        'ERR_STORE_UNAVAILABLE',
        'session store was unavailable when this request began; it is served without a session and may not write',
      )
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

/** Issued tokens in the names of RFC 6749 §5.1. */
export function tokenResponse(tokens: IssuedTokens): TokenResponse {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    ...(tokens.refreshToken === undefined ? {} : { refresh_token: tokens.refreshToken }),
  }
}

/** The data of no session: never handed out (the handler gets a copy), never mutated. */
const EMPTY: Json = Object.freeze({}) as Json

/** A write that finished synchronously. */
const DONE: Promise<void> = Promise.resolve()

/**
 * `record` holding `data` at `version`, seen at `now`: every field written out, in one order, so
 * that records keep one shape.
 */
function recordAt(
  record: SessionRecord,
  data: Json,
  version: number,
  now: number,
  ctx: SessionContext,
): SessionRecord {
  // The lifetime chosen at login is kept by every later write; a record without one stays so.
  return withLifetime(
    {
      idHash: record.idHash,
      userId: record.userId,
      data,
      version,
      createdAt: record.createdAt,
      authenticatedAt: record.authenticatedAt,
      lastSeenAt: now,
      expiresAt: ctx.expiresAt(record, now),
      meta: record.meta,
    },
    record.maxAgeSeconds,
  )
}

function meta(request: CarrierRequest): SessionRecord['meta'] {
  const out: { ip?: string; userAgent?: string } = {}
  if (request.ip !== undefined) out.ip = request.ip
  if (request.userAgent !== undefined) out.userAgent = request.userAgent.slice(0, 256)
  return out
}

/**
 * The handler of the data proxy (one object per session, no closures): checks a top-level
 * assignment as it happens, and presents a refusal as the public methods do (a status, a generic
 * text).
 */
class CheckedAssignments implements ProxyHandler<Json> {
  readonly #carrier: Carrier
  readonly #sink: ResponseSink
  constructor(carrier: Carrier, sink: ResponseSink) {
    this.#carrier = carrier
    this.#sink = sink
  }
  set(target: Json, key: string | symbol, value: unknown): boolean {
    this.#check(target, key, value)
    return Reflect.set(target, key, value)
  }
  defineProperty(target: Json, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    if ('value' in descriptor) this.#check(target, key, descriptor.value)
    return Reflect.defineProperty(target, key, descriptor)
  }
  #check(target: Json, key: string | symbol, value: unknown): void {
    if (typeof key !== 'string') return
    try {
      checkDataValue(key, value)
      this.#carrier.checkData?.({ ...target, [key]: value }, key)
    } catch (err) {
      throw this.#sink.presentError(err)
    }
  }
}
