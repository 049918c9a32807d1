// Attack suite against the shipped reference app (`createServer` as `npm start` serves it), every
// carrier on memory and SQLite: anonymous floods leave nothing in the store and log no one out,
// the pre-session CSRF token is bound to its cookie, and plain HTTP for a public host name still
// gets Secure, __Host- cookies.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import type { CarrierKind } from '../../src/session/carrier.js'
import { startTestApp } from '../helpers/test-app.js'
import { csrfTokenOf, WebClient } from '../helpers/web-client.js'

type TestApp = Awaited<ReturnType<typeof startTestApp>>

/** Cookieless GETs per flood: bounded; every one of them stored a session before. */
const FLOOD = 300
const FLOOD_PATHS = ['/login', '/register', '/inspect']
const PASSWORD = 'correct horse battery'

interface Reply {
  readonly status: number
  readonly setCookies: string[]
  readonly body: string
}

/** One request over plain HTTP with the `Host` header given (fetch may not set it). */
function send(
  url: string,
  target: string,
  options: { method?: string; host?: string; cookie?: string; form?: Record<string, string> } = {},
): Promise<Reply> {
  const { port } = new URL(url)
  const body = options.form === undefined ? '' : new URLSearchParams(options.form).toString()
  const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}` }
  if (options.cookie !== undefined) headers.cookie = options.cookie
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    headers['content-length'] = String(Buffer.byteLength(body))
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            setCookies: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** The `name=value` pairs of Set-Cookie values, as the next request's Cookie header. */
function cookieHeader(setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(';')[0]!).join('; ')
}

/** The rows of the SQLite session database (sessions and refresh tokens); 0 on memory. */
function sqliteRows(app: TestApp): number {
  if (app.config.store !== 'sqlite') return 0
  const db = new Database(path.join(app.config.dataDir, 'sessions.db'), { readonly: true })
  let rows = 0
  for (const table of ['tessera_sessions', 'tessera_refresh_tokens']) {
    rows += (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
  }
  db.close()
  return rows
}

/**
 * How many records the store holds (and SQLite rows). Deleting everything "expired" by the end
 * of time counts them on any store, so this empties the store.
 */
async function storedCount(app: TestApp): Promise<{ records: number; rows: number }> {
  const rows = sqliteRows(app)
  const end = Number.MAX_SAFE_INTEGER
  const records =
    (await app.store.sessions.deleteExpired(end)) +
    (await app.store.refreshTokens.deleteExpired(end))
  return { records, rows }
}

/** FLOOD cookieless GETs, 8 at a time; each page renders its form and sets one cookie at most. */
async function flood(app: TestApp): Promise<void> {
  for (let i = 0; i < FLOOD; i += 8) {
    const paths = Array.from({ length: 8 }, (_, j) => FLOOD_PATHS[(i + j) % FLOOD_PATHS.length]!)
    for (const reply of await Promise.all(paths.map((p) => send(app.url, p)))) {
      assert.equal(reply.status, 200)
      // The one cookie an anonymous page may set is the pre-session CSRF cookie.
      for (const c of reply.setCookies) assert.match(c, /^tessera-csrf=/)
    }
  }
}

const carriers: CarrierKind[] = ['server', 'cookie', 'token']
const stores = ['memory', 'sqlite'] as const

for (const carrier of carriers) {
  for (const store of stores) {
    describe(`shipped app, ${carrier} carrier on ${store}: edge defences`, () => {
      let app: TestApp
      before(async () => {
        app = await startTestApp({ carrier, store })
      })
      after(async () => {
        await app.close()
      })

      it(`security: ${FLOOD} cookieless GETs of /login, /register and /inspect store nothing and log no one out`, async () => {
        await flood(app)
        assert.deepEqual(await storedCount(app), { records: 0, rows: 0 })
        // A signed-in user, then another flood: the user's rows stay as they were, and so do they.
        const user = new WebClient(app.url)
        const registered = await user.submit('/register', '/register', {
          username: `flood-${carrier}`,
          password: PASSWORD,
        })
        assert.equal(registered.status, 303, registered.body)
        const rowsBefore = sqliteRows(app)
        await flood(app)
        assert.equal(sqliteRows(app), rowsBefore)
        assert.equal((await user.get('/profile')).status, 200)
        const { records } = await storedCount(app)
        assert.ok(records >= 1 && records <= 3, `${records} records: the user's only`)
      })

      it('security: a visitor’s form token is bound to its own pre-session cookie', async () => {
        const a = await send(app.url, '/login')
        const b = await send(app.url, '/login')
        assert.equal(a.setCookies.length, 1)
        const tokenB = csrfTokenOf(b.body)
        const crossed = await send(app.url, '/login', {
          method: 'POST',
          cookie: cookieHeader(a.setCookies),
          form: { _csrf: tokenB, username: 'nobody', password: PASSWORD },
        })
        assert.equal(crossed.status, 403)
        const cookieless = await send(app.url, '/login', {
          method: 'POST',
          form: { _csrf: tokenB, username: 'nobody', password: PASSWORD },
        })
        assert.equal(cookieless.status, 403)
        // Its own pair passes the CSRF check (and reaches the password check).
        const own = await send(app.url, '/login', {
          method: 'POST',
          cookie: cookieHeader(b.setCookies),
          form: { _csrf: tokenB, username: 'nobody', password: PASSWORD },
        })
        assert.notEqual(own.status, 403)
      })

      it('security: plain HTTP for a public host name gets Secure, __Host- cookies', async () => {
        const host = 'app.example.com'
        const page = await send(app.url, '/register', { host })
        assert.equal(page.status, 200)
        const posted = await send(app.url, '/register', {
          method: 'POST',
          host,
          cookie: cookieHeader(page.setCookies),
          form: { _csrf: csrfTokenOf(page.body), username: `tls-${carrier}`, password: PASSWORD },
        })
        assert.equal(posted.status, 303, posted.body)
        const cookies = [...page.setCookies, ...posted.setCookies]
        const session = cookies.filter((c) => /^(__Host-)?tessera[-=.]/.test(c))
        assert.ok(session.length >= 2, cookies.join('\n'))
        for (const c of session) assert.match(c, /^__Host-tessera[^=]*=.*; Secure/)
        for (const c of cookies) assert.match(c, /; Secure/)
        // The same app on a loopback host name (local development) relaxes them.
        const local = await send(app.url, '/register', { host: 'localhost' })
        assert.match(local.setCookies[0]!, /^tessera-csrf=/)
        assert.doesNotMatch(local.setCookies[0]!, /Secure/)
      })
    })
  }
}
