// Every store call a carrier makes goes through here (SO-1): bounded in time, so a hung store
// fails the request fast (503) instead of holding it, and a driver's failure becomes
// ERR_STORE_UNAVAILABLE with the driver's error as cause.
import { isTesseraError, TesseraError } from '../errors.js'

/** The one default bound on a store call, in seconds, for the manager and every carrier. */
export const DEFAULT_STORE_TIMEOUT_SECONDS = 1

/** A store call bounded in time: `operation` names it in the error, `pending` is the call. */
export type StoreCall = <T>(operation: string, pending: Promise<T>) => Promise<T>

/**
 * The bounded store call of a carrier: every call fails with ERR_STORE_UNAVAILABLE when it has
 * not answered after `timeoutSeconds` (default `DEFAULT_STORE_TIMEOUT_SECONDS`).
 */
export function storeCaller(timeoutSeconds?: number): StoreCall {
  const timeoutMs = (timeoutSeconds ?? DEFAULT_STORE_TIMEOUT_SECONDS) * 1000
  return (operation, pending) => bounded(operation, pending, timeoutMs)
}

/**
 * Awaits a store call for at most `timeoutMs`, so a hung store fails the request fast instead of
 * holding it; a driver's failure becomes ERR_STORE_UNAVAILABLE with the driver's error as cause.
 */
export async function bounded<T>(
  operation: string,
  pending: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  // One shared watchdog instead of a timer (and an Error) per call: this wraps every store call
  // of every request, and a setTimeout plus a stack trace each cost more than the call itself.
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter = {
      deadline: Date.now() + timeoutMs,
      timeoutMs,
      fail: (cause) => reject(storeError(operation, cause)),
    }
    waiters.add(waiter)
    if (watchdog === undefined) {
      // Not unref'd: it runs only while a store call is in flight, which is work outstanding.
      watchdog = setInterval(failOverdue, WATCHDOG_TICK_MS)
    }
    pending.then(
      (value) => {
        waiters.delete(waiter)
        resolve(value)
      },
      (cause: unknown) => {
        waiters.delete(waiter)
        waiter.fail(cause)
      },
    )
  })
}

/**
 * A store call answered synchronously (stores/sync.ts): nothing to bound, as it cannot hang; a
 * throw becomes ERR_STORE_UNAVAILABLE exactly as `bounded` turns a rejection into one.
 */
export function answerNow<T>(operation: string, call: () => T): T {
  try {
    return call()
  } catch (cause) {
    throw storeError(operation, cause)
  }
}

interface Waiter {
  readonly deadline: number
  readonly timeoutMs: number
  readonly fail: (cause: unknown) => void
}

const WATCHDOG_TICK_MS = 25
const waiters = new Set<Waiter>()
let watchdog: ReturnType<typeof setInterval> | undefined

function failOverdue(): void {
  const now = Date.now()
  for (const waiter of waiters) {
    if (waiter.deadline > now) continue
    waiters.delete(waiter)
    waiter.fail(new Error(`no answer within ${waiter.timeoutMs} ms`))
  }
  if (waiters.size === 0) {
    clearInterval(watchdog)
    watchdog = undefined
  }
}

function storeError(operation: string, cause: unknown): unknown {
  if (isTesseraError(cause)) return cause
  return new TesseraError('ERR_STORE_UNAVAILABLE', `session store ${operation} failed`, { cause })
}
