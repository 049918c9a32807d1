// The Express adapter's patches of Express's shared prototypes: the hold on the response (see the
// comment below), the only code in tessera that delays `res.end`; and, at the end, how to tell
// that an app mounts tessera's middleware, for the `req.session` accessor on Express's shared
// request prototype (`guardSessionReads` in core.ts) that says it was mounted too late.
import type { Response } from 'express'
import type { CommittableSession } from '../session/request-session.js'
import { guardSessionReads, isSessionMiddleware, slotOnHeaders } from './core.js'
import { toHttpError } from './http-status.js'

// Holding the response. A plain assignment (`req.session.data.x = 1`) has no await of its own,
// so it is committed here, after the handler ran and before the client sees the response: a
// redirect right after a write cannot race the write, and a failed write goes to the app's
// error handlers (`next(err)`; Express's own answers 503 for the store) instead of a success the
// server did not keep. This is the only code in tessera that delays `res.end`;
// it holds the first `write`/`end` only while the session has something to write, and is installed
// only once the session may have something to write (the handler took the data, or a touch is
// due): a route that ignores the session, or only reads `userId`, passes straight through. A
// commit that finishes synchronously (a store that answers at once) releases the call at once.
//
// Installing it costs no property on the response: adding one to an Express response (whose
// prototype Express swapped) costs about 4 µs each, three of them were a tenth of a request.
// Instead `write`/`end` are replaced once on Express's shared response prototype (the parent of
// every app's and sub-app's `app.response`, so a sub-app's prototype swap keeps the hold), and
// they look the hold up in a WeakMap; a response without a hold goes straight through.
const HOLD = Symbol('tessera.hold')
type Fn = (...args: unknown[]) => unknown
type Call = [fn: Fn, args: unknown[]]
interface Hold {
  readonly session: CommittableSession
  /** The session middleware's `next`: a failed commit goes to the app's error handlers. */
  readonly next: (err: unknown) => void
  readonly write: Fn
  readonly end: Fn
  queue: Call[] | null
}
type HeldResponse = Response & { [HOLD]?: Hold }
const patched = new WeakSet<object>()
/** The holds installed through the shared prototype (adding a property to `req` costs too). */
const holds = new WeakMap<object, Hold>()

export function holdUntilCommitted(
  res: Response,
  session: CommittableSession,
  next: (err: unknown) => void,
): void {
  const shared = sharedPrototype(res)
  if (
    shared === null ||
    holds.has(res) ||
    Object.hasOwn(res, 'write') ||
    Object.hasOwn(res, 'end')
  ) {
    // Not a plain Express response (not Express, a second session middleware, or an earlier
    // middleware such as compression wrapped write/end): a hold of its own, outermost.
    const held = res as HeldResponse
    held[HOLD] = { session, next, write: res.write, end: res.end, queue: null } as Hold
    res.write = ownWrite as Response['write']
    res.end = ownEnd as Response['end']
    return
  }
  if (!patched.has(shared)) patchPrototype(shared)
  const [write, end] = [shared[ORIGINAL_WRITE], shared[ORIGINAL_END]]
  holds.set(res, { session, next, write, end, queue: null })
}

const ORIGINAL_WRITE = Symbol('tessera.write')
const ORIGINAL_END = Symbol('tessera.end')
type Patched = Record<'write' | 'end', Fn> & { [ORIGINAL_WRITE]: Fn; [ORIGINAL_END]: Fn }

/**
 * Express's response prototype shared by all its apps, or null. A response's prototype is its
 * app's `app.response`; inside a mounted sub-app (where a hold may now be installed, on the
 * handler's first use of the data) that one's parent is the parent app's, and so on up to the
 * shared one, the first without an own `app`.
 */
function sharedPrototype(res: Response): Patched | null {
  let proto = Object.getPrototypeOf(res) as object | null
  if (proto === null || !Object.hasOwn(proto, 'app')) return null
  while (proto !== null && Object.hasOwn(proto, 'app'))
    proto = Object.getPrototypeOf(proto) as object | null
  return proto as Patched | null
}

function patchPrototype(proto: Patched): void {
  patched.add(proto)
  proto[ORIGINAL_WRITE] = proto.write
  proto[ORIGINAL_END] = proto.end
  proto.write = function tesseraWrite(this: Response, ...args: unknown[]): unknown {
    const hold = holds.get(this)
    return hold === undefined
      ? proto[ORIGINAL_WRITE].apply(this, args)
      : heldWrite(this, hold, args)
  }
  proto.end = function tesseraEnd(this: Response, ...args: unknown[]): unknown {
    const hold = holds.get(this)
    if (hold === undefined) return proto[ORIGINAL_END].apply(this, args)
    heldEnd(this, hold, args)
    return this
  }
}

function ownWrite(this: HeldResponse, ...args: unknown[]): boolean {
  return heldWrite(this, this[HOLD] as Hold, args)
}

function ownEnd(this: HeldResponse, ...args: unknown[]): HeldResponse {
  heldEnd(this, this[HOLD] as Hold, args)
  return this
}

function heldWrite(res: Response, hold: Hold, args: unknown[]): boolean {
  if (hold.queue !== null) return hold.queue.push([hold.write, args]) > 0
  if (res.headersSent || !hold.session.needsCommit()) return hold.write.apply(res, args) as boolean
  commitThenRelease(res, hold, [hold.write, args])
  return true
}

function heldEnd(res: Response, hold: Hold, args: unknown[]): void {
  if (hold.queue !== null) {
    hold.queue.push([hold.end, args])
  } else if (res.statusCode >= 500) {
    hold.session.discardPending() // an error response commits nothing the handler left half-done
    ended(res, hold, args)
  } else if (hold.session.needsCommit()) {
    commitThenRelease(res, hold, [hold.end, args])
  } else {
    ended(res, hold, args)
  }
}

/**
 * Ends the response and forgets its hold at once: an entry left in the `WeakMap` until the
 * response is collected is one more ephemeron for every young-generation collection to walk.
 */
function ended(res: Response, hold: Hold, args: unknown[]): void {
  holds.delete(res)
  hold.end.apply(res, args)
}

function commitThenRelease(res: Response, hold: Hold, first: Call): void {
  hold.queue = [first]
  let pending: void | Promise<void>
  try {
    pending = hold.session.commitNow(!res.headersSent)
  } catch (err) {
    return failed(res, hold, err)
  }
  if (pending === undefined) return release(res, hold)
  pending.then(
    () => release(res, hold),
    (err: unknown) => failed(res, hold, err),
  )
}

function release(res: Response, hold: Hold): void {
  const queue = hold.queue ?? []
  hold.queue = null
  for (const [fn, args] of queue) {
    if (fn === hold.end) ended(res, hold, args)
    else fn.apply(res, args)
  }
}

function failed(res: Response, hold: Hold, err: unknown): void {
  hold.queue = null
  // Streaming already began: cut the connection so the client cannot take it for success.
  if (res.headersSent) return void res.destroy()
  // The handler's response is dropped (its headers too): the app's error handlers answer,
  // or Express's own with the error's status (503 for the store).
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.statusCode = 200
  hold.session.discardPending()
  hold.next(toHttpError(err))
}

const LATE =
  'req.session was read before the session middleware ran for this request: mount ' +
  'app.use(session(...)) before the routes (and before any middleware that reads req.session)'

/**
 * `req.session` read before `middleware` ran, in an app that mounts it (too late for this
 * route), throws `ERR_SESSION_NOT_MOUNTED`; `proto` is Express's shared request prototype.
 */
export function guardRequestSession(proto: object, middleware: object): void {
  guardSessionReads(
    proto,
    middleware,
    (req) => mountsSession(routerOf(req), 0),
    LATE,
    slotOnHeaders,
  )
}

/** The router of the request's app (Express 5 `app.router`, 4 `app._router`). */
function routerOf(req: object): unknown {
  const app = (req as { app?: { router?: unknown; _router?: unknown } }).app
  return app?.router ?? app?._router
}

/** True when tessera's middleware is in `router` or a router nested in it (bounded depth). */
function mountsSession(router: unknown, depth: number): boolean {
  const stack = (router as { stack?: unknown } | undefined)?.stack
  if (!Array.isArray(stack) || depth > 4) return false
  return stack.some((layer: { handle?: object }) => {
    const handle = layer?.handle
    return handle !== undefined && (isSessionMiddleware(handle) || mountsSession(handle, depth + 1))
  })
}
