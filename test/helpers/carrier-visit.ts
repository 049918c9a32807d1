// Drives a session manager the way a browser would, one request at a time, with a cookie jar:
// open, run the handler, commit what it left, apply the Set-Cookie values to the jar.
import type { ManagerRequest, SessionManager } from '../../src/session/manager.js'
import type { Session } from '../../src/session/session.js'
import { cookieJar, type CookieJar } from './cookie-jar.js'
import { recordingSink, type RecordingSink } from './session.js'

/** The session data the carrier tests use. */
export interface TestData {
  count?: number
  username?: string
  blob?: string
  [key: string]: unknown
}

export interface Visit {
  session: Session<TestData>
  sink: RecordingSink
}

/** One request from `jar` (which is updated from the response), optionally with extra headers. */
export async function visit(
  manager: SessionManager<TestData>,
  jar: CookieJar,
  handler: (s: Session<TestData>) => unknown = () => {},
  extra: Partial<ManagerRequest> = {},
): Promise<Visit> {
  const sink = recordingSink()
  const session = await manager.open(
    { cookieHeader: jar.header(), secure: false, method: 'GET', host: 'localhost', ...extra },
    sink,
  )
  await handler(session)
  if (session.needsCommit()) await session.commit(true)
  jar.apply(sink.cookies)
  return { session, sink }
}

/** A fresh browser signed in as `userId`. */
export async function signedIn(
  manager: SessionManager<TestData>,
  userId = 'alice',
): Promise<CookieJar> {
  const jar = cookieJar()
  await visit(manager, jar, (s) => s.login(userId))
  return jar
}
