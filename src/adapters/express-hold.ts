// The Express adapter's hold on the response (see the comment below): the only code in tessera
// that delays `res.end`.
import type { Response } from 'express'
import type { Session } from '../session/session.js'
import { toHttpError } from './http-status.js'

// Holding the response. A plain assignment (`req.session.data.x = 1`) has no await of its own,
// so it is committed here, after the handler ran and before the client sees the response: a
// redirect right after a write cannot race the write, and a failed write becomes a 503 instead
// of a success the server did not keep. This is the only code in tessera that delays `res.end`;
// it holds the first `write`/`end` only while the session has something to write.
const HOLD = Symbol('tessera.hold')
type Call = [fn: (...args: unknown[]) => unknown, args: unknown[]]
interface Hold {
  readonly session: Session<object>
  readonly write: (...args: unknown[]) => unknown
  readonly end: (...args: unknown[]) => unknown
  queue: Call[] | null
}
type HeldResponse = Response & { [HOLD]: Hold }

export function holdUntilCommitted(res: Response, session: Session<object>): void {
  const held = res as HeldResponse
  held[HOLD] = { session, write: res.write, end: res.end, queue: null } as Hold
  res.write = heldWrite as Response['write']
  res.end = heldEnd as Response['end']
}

function heldWrite(this: HeldResponse, ...args: unknown[]): boolean {
  const hold = this[HOLD]
  if (hold.queue !== null) return hold.queue.push([hold.write, args]) > 0
  if (this.headersSent || !hold.session.needsCommit())
    return hold.write.apply(this, args) as boolean
  commitThenRelease(this, hold, [hold.write, args])
  return true
}

function heldEnd(this: HeldResponse, ...args: unknown[]): HeldResponse {
  const hold = this[HOLD]
  if (hold.queue !== null) {
    hold.queue.push([hold.end, args])
  } else if (this.statusCode >= 500) {
    hold.session.discardPending() // an error response commits nothing the handler left half-done
    hold.end.apply(this, args)
  } else if (hold.session.needsCommit()) {
    commitThenRelease(this, hold, [hold.end, args])
  } else {
    hold.end.apply(this, args)
  }
  return this
}

function commitThenRelease(res: HeldResponse, hold: Hold, first: Call): void {
  hold.queue = [first]
  hold.session.commit(!res.headersSent).then(
    () => {
      const queue = hold.queue ?? []
      hold.queue = null
      for (const [fn, args] of queue) fn.apply(res, args)
    },
    (err: unknown) => {
      hold.queue = null
      // Streaming already began: cut the connection so the client cannot take it for success.
      if (res.headersSent) return void res.destroy()
      const error = toHttpError(err) as { status?: number; message: string }
      for (const name of res.getHeaderNames()) res.removeHeader(name)
      res.statusCode = error.status ?? 500
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.setHeader('Cache-Control', 'no-store')
      hold.end.call(res, error.status === undefined ? 'Internal Server Error' : error.message)
    },
  )
}
