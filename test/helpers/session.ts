// Helpers for session and adapter tests: a recording response sink, and store wrappers that
// count calls or fail on demand.
import { randomBytes } from 'node:crypto'
import type { ResponseSink } from '../../src/session/request-session.js'
import type { SessionStore, Store } from '../../src/stores/store.js'

/** A fresh 32-byte secret keyring input. */
export function testKeys(): { id: string; key: Buffer }[] {
  return [{ id: 'test-1', key: randomBytes(32) }]
}

/** A sink that records what a session asked the response to carry. */
export interface RecordingSink extends ResponseSink {
  readonly cookies: string[]
  authenticatedCalls: number
  loggedOutCalls: number
}

export function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    cookies: [],
    authenticatedCalls: 0,
    loggedOutCalls: 0,
    setCookies: (values) => void sink.cookies.push(...values),
    authenticated: () => void sink.authenticatedCalls++,
    loggedOut: () => void sink.loggedOutCalls++,
    presentError: (err) => err,
  }
  return sink
}

/** The `name=value` pair of the last Set-Cookie that sets (not clears) a cookie, or undefined. */
export function cookiePair(setCookies: readonly string[]): string | undefined {
  const live = setCookies.filter((c) => !/;\s*Max-Age=0/i.test(c))
  return live.at(-1)?.split(';')[0]
}

/** The value part of a `name=value` cookie pair. */
export function valueOf(pair: string): string {
  return pair.slice(pair.indexOf('=') + 1)
}

type Counts = Record<keyof SessionStore, number>

/** A store whose session calls are counted (by method) and can be made to fail. */
export interface InstrumentedStore extends Store {
  readonly counts: Counts
  /** While true (or while it names the method called), session calls reject like a dropped driver. */
  failing: boolean | keyof SessionStore
  /** While true, session calls never answer (a store that hangs rather than fails). */
  hanging: boolean
  /** Calls of `replace` that should report a lost version check before reaching the store. */
  forceConflicts: number
  /** Calls of `replace` that lost the version check (forced or not). */
  readonly lostVersionChecks: () => number
  writes(): number
}

export function instrument(inner: Store): InstrumentedStore {
  const counts = {
    get: 0,
    create: 0,
    replace: 0,
    touch: 0,
    delete: 0,
    listByUser: 0,
    deleteByUser: 0,
    deleteExpired: 0,
  }
  let lost = 0
  const store: InstrumentedStore = {
    counts,
    failing: false,
    hanging: false,
    forceConflicts: 0,
    lostVersionChecks: () => lost,
    refreshTokens: inner.refreshTokens,
    writes: () =>
      counts.create + counts.replace + counts.touch + counts.delete + counts.deleteByUser,
    sessions: {} as SessionStore,
    ...(inner.close === undefined ? {} : { close: () => inner.close!() }),
  }
  const sessions = {} as Record<string, (...args: unknown[]) => Promise<unknown>>
  for (const name of Object.keys(counts) as (keyof SessionStore)[]) {
    const method = (inner.sessions[name] as (...args: unknown[]) => Promise<unknown>).bind(
      inner.sessions,
    )
    sessions[name] = async (...args) => {
      counts[name]++
      if (store.hanging) return new Promise(() => {})
      if (store.failing === true || store.failing === name)
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379')
      if (name === 'replace' && store.forceConflicts > 0) {
        store.forceConflicts--
        lost++
        return false
      }
      const answer = await method(...args)
      if (name === 'replace' && answer === false) lost++
      return answer
    }
  }
  ;(store as { sessions: SessionStore }).sessions = sessions as unknown as SessionStore
  return store
}
