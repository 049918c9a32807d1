// Attack suite: the attributes of every cookie tessera writes, over plain HTTP and over HTTPS
// behind a trusted proxy, the logout that clears them all, and the 4096-byte limit, on every
// carrier and store over real HTTP (docs/security-requirements.md: CK-1..CK-7, CK-9, LO-3).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachVariant, type AttackApp } from '../helpers/attack-matrix.js'
import { client, form, type Client, type Reply } from '../helpers/http.js'

interface ParsedCookie {
  name: string
  value: string
  attributes: Map<string, string>
  line: string
}

function parse(line: string): ParsedCookie {
  const [pair = '', ...rest] = line.split(';')
  const eq = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const attribute of rest) {
    const at = attribute.indexOf('=')
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase()
    attributes.set(key, at === -1 ? '' : attribute.slice(at + 1).trim())
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, line }
}

/** CK-1, CK-2, CK-4, CK-6, CK-7 for one Set-Cookie line; CK-3 and CK-5 when `https`. */
function assertAuthCookie(line: string, https: boolean): ParsedCookie {
  const c = parse(line)
  assert.ok(c.attributes.has('httponly'), `HttpOnly: ${line}`)
  assert.match(c.attributes.get('samesite') ?? '', /^(Lax|Strict)$/, `SameSite: ${line}`)
  assert.equal(c.attributes.get('path'), '/', `Path=/: ${line}`)
  assert.ok(!c.attributes.has('domain'), `host-only: ${line}`)
  assert.ok(!c.attributes.has('expires'), `no Expires: ${line}`)
  const maxAge = c.attributes.get('max-age')
  assert.ok(maxAge === undefined || maxAge === '0', `a browser-session cookie: ${line}`)
  assert.ok(Buffer.byteLength(c.name) + Buffer.byteLength(c.value) <= 4096, `≤ 4096 B: ${c.name}`)
  if (https) {
    assert.ok(c.name.startsWith('__Host-'), `__Host- over HTTPS: ${c.name}`)
    assert.ok(c.attributes.has('secure'), `Secure over HTTPS: ${line}`)
  }
  return c
}

/** A browser that reaches the app over HTTPS through the trusted proxy (X-Forwarded-Proto). */
function httpsClient(app: AttackApp): Client {
  const inner = client(app.server.url)
  return {
    jar: inner.jar,
    cookieHeader: inner.cookieHeader,
    request: (path, init = {}) =>
      inner.request(path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'x-forwarded-proto': 'https' },
      }),
  }
}

/** Every Set-Cookie of a login, a data write and a logout; checks each and the logout's clears. */
async function lifecycle(browser: Client, https: boolean): Promise<Reply[]> {
  const login = await browser.request('/login', form({ user: 'attributes' }))
  assert.equal(login.status, 303)
  const set = new Map(login.setCookies.map((l) => [parse(l).name, parse(l)]))
  assert.ok(set.size > 0, 'login sets the auth cookies')
  const profile = await browser.request('/profile')
  assert.equal(profile.status, 200, 'the cookies work where they were issued')
  assert.equal(profile.headers.get('cache-control'), 'no-store', 'CK-9')
  const write = await browser.request('/assign', form({ key: 'a', value: 'x'.repeat(500) }))
  assert.equal(write.status, 200)
  const logout = await browser.request('/logout', { method: 'POST' })
  assert.equal(logout.status, 303)
  const replies = [login, write, logout]
  for (const line of replies.flatMap((r) => r.setCookies)) assertAuthCookie(line, https)
  // LO-3: every auth cookie ever set is cleared with the same name, path and flags.
  const cleared = new Map(logout.setCookies.map((l) => [parse(l).name, parse(l)]))
  for (const [name, was] of set) {
    const clear = cleared.get(name)
    assert.ok(clear !== undefined, `logout clears ${name}`)
    assert.equal(clear.attributes.get('max-age'), '0', `${name} cleared with Max-Age=0`)
    assert.equal(clear.attributes.get('samesite'), was.attributes.get('samesite'), name)
    assert.equal(clear.attributes.has('secure'), was.attributes.has('secure'), name)
  }
  assert.equal(browser.jar.size, 0, 'nothing is left in the browser')
  return replies
}

forEachVariant('attack: cookie attributes', (app, variant) => {
  it('every auth Set-Cookie over plain HTTP is HttpOnly, SameSite, Path=/, host-only, a session cookie ≤ 4096 B; logout clears them all (CK-1, CK-2, CK-4, CK-6, CK-7, CK-9, LO-3)', async () => {
    await lifecycle(app().client(), false)
  })

  it('over HTTPS behind the trusted proxy every auth cookie is __Host- and Secure; logout clears them all (CK-3, CK-5, LO-3)', async () => {
    const browser = httpsClient(app())
    const login = await browser.request('/login', form({ user: 'https' }))
    const plain = app().copy(browser) // the same cookies sent over plain HTTP
    assert.equal(login.status, 303)
    assert.equal((await plain.request('/profile')).status, 401, '__Host- cookies need HTTPS')
    await browser.request('/logout', { method: 'POST' })
    await lifecycle(browser, true)
  })

  it('state too large for a cookie is refused with a generic error, never dropped or sent over 4096 B (CK-7)', async () => {
    const browser = await app().signedIn('large')
    const assign = async (key: string, length: number): Promise<Reply> => {
      const res = await browser.request('/assign', form({ key, value: key.repeat(length) }))
      for (const line of res.setCookies) assertAuthCookie(line, false)
      return res
    }
    const peek = async () => JSON.parse((await browser.request('/peek')).text) as AppState
    type AppState = { a?: string; b?: string }
    // What each carrier can hold: a store has no cookie limit; the cookie carrier splits its
    // seal across up to 3 cookies of 4096 B; the token carrier's JWT carries ≤ 2048 B of data.
    const fits = (bytes: number) =>
      variant.carrier === 'server'
        ? true
        : variant.carrier === 'cookie'
          ? bytes < 8000
          : bytes <= 2000
    let kept: AppState = {}
    for (const [key, length] of [
      ['a', 1500],
      ['b', 3000],
      ['a', 7000],
    ] as const) {
      const res = await assign(key, length)
      const total = JSON.stringify({ ...kept, [key]: key.repeat(length) }).length
      if (fits(total)) {
        assert.equal(res.status, 200, `${key}=${length} fits`)
        kept = { ...kept, [key]: key.repeat(length) }
      } else {
        assert.equal(res.status, 500, `${key}=${length} is refused`)
        // Refused at the assignment (the cookie carrier) or at the write (the token carrier):
        // either way the client reads only the generic text, never sizes or option names.
        assert.match(res.text, /Session error\./, 'a generic message')
        assert.doesNotMatch(res.text, /maxChunks|bytes|JWT/, 'no detail for the client')
      }
      assert.deepEqual(await peek(), kept, 'the state is what the answers said')
    }
  })
})
