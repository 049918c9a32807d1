// An app whose backend is down, for the fail-closed tests: the backend's calls all fail the way
// a driver's do, and the page and the log must show neither the username nor a stack trace.
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import type { CreateServerOptions } from '../../app/server.js'
import { startTestApp } from './test-app.js'
import type { Page } from './web-client.js'

/** The username the outage tests sign in with; it must appear nowhere. */
export const SECRET_USER = 'secret-user'

/** A backend call that fails as a driver's would, with the username in its message. */
export const refused = async (): Promise<never> => {
  throw new Error(`connection refused for ${SECRET_USER}`)
}

/** Starts an app with `options` before the suite's tests, keeping its log; stops it after. */
export function appWithLog(options: CreateServerOptions) {
  const logged: Readonly<Record<string, unknown>>[] = []
  let app: Awaited<ReturnType<typeof startTestApp>> | undefined
  before(async () => {
    app = await startTestApp({}, { ...options, log: (e) => logged.push(e) })
  })
  after(async () => {
    await app?.close()
  })
  return { logged, url: () => app?.url ?? '' }
}

/** A 503 with the generic page, one ERR_STORE_UNAVAILABLE in the log, nothing leaked. */
export function assertFailedClosed(
  res: Page,
  logged: readonly Readonly<Record<string, unknown>>[],
) {
  assert.equal(res.status, 503)
  assert.doesNotMatch(res.body, /secret-user|TesseraError|connection refused|\n\s+at /)
  const errors = logged.filter((e) => String(e.event).startsWith('request.error'))
  assert.deepEqual(
    errors.map((e) => [e.event, e.status, e.code]),
    [['request.error', 503, 'ERR_STORE_UNAVAILABLE']],
  )
  assert.doesNotMatch(JSON.stringify(logged), /secret-user|correct horse|\n\s+at /)
}
