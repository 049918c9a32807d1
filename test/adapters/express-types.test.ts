// Compile-time checks of the session data types: `tsc -p .` (run by `npm test` and CI) fails if
// any line marked @ts-expect-error compiles, so wrong types are proven to be caught. The runtime
// test only keeps node:test from reporting an empty file.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Request } from 'express'
import { session, type RequestSession } from 'tessera-session/express'

// The application's way: declare the data once, for every `req.session`.
declare module 'tessera-session' {
  interface SessionData {
    typeCheckVisits?: number
  }
}

interface CartData {
  items?: string[]
  total?: number
}

export function augmented(req: Request): void {
  req.session.data.typeCheckVisits = 1
  // @ts-expect-error a string is not a number
  req.session.data.typeCheckVisits = 'one'
  // @ts-expect-error an undeclared key
  req.session.data.typeCheckUndeclared = true
}

export function generic(sessions: ReturnType<typeof session<CartData>>, req: Request): void {
  const s = sessions.of(req)
  s.data.items = ['a']
  // @ts-expect-error items is a string[]
  s.data.items = 'a'
  void s.update((d) => {
    d.total = 3
    // @ts-expect-error total is a number
    d.total = '3'
  })
  void s.login('user-1', { data: { total: 0 }, keepData: ['items'] })
  // @ts-expect-error login data is checked against the declared type
  void s.login('user-1', { data: { total: 'zero' } })
  // @ts-expect-error keepData names declared keys only
  void s.login('user-1', { keepData: ['nope'] })
  // @ts-expect-error userId is read-only
  s.userId = 'someone-else'
}

export function explicit(s: RequestSession<CartData>): number | undefined {
  // @ts-expect-error an undeclared key
  return s.data.count
}

describe('session data types', () => {
  it('are checked by tsc (see the @ts-expect-error lines of this file)', () => {
    assert.equal(typeof session, 'function')
  })
})
