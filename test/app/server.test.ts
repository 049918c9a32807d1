import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { uniqueName } from '../helpers/services.js'
import { startTestApp } from '../helpers/test-app.js'
import { csrfTokenOf, WebClient } from '../helpers/web-client.js'

type TestApp = Awaited<ReturnType<typeof startTestApp>>

async function registered(
  app: TestApp,
  username: string,
  password = 'correct horse battery',
): Promise<WebClient> {
  const res = await new WebClient(app.url).submit('/register', '/register', { username, password })
  assert.equal(res.status, 303, res.body)
  const client = new WebClient(app.url)
  const signedIn = await client.submit('/login', '/login', { username, password })
  assert.equal(signedIn.location, '/profile', signedIn.body)
  return client
}

describe('reference app over HTTP (server carrier)', () => {
  let app: TestApp
  before(async () => {
    app = await startTestApp()
  })
  after(async () => {
    await app.close()
  })

  it('refuses a cross-site POST with 403 and a generic page', async () => {
    const client = await registered(app, 'cross-site-victim')
    const token = csrfTokenOf((await client.get('/profile')).body)
    const res = await client.post(
      '/logout',
      { _csrf: token },
      {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    )
    assert.equal(res.status, 403)
    assert.match(res.body, /refused/)
    assert.doesNotMatch(res.body, /at .*\.js:\d+/)
    assert.equal((await client.get('/profile')).status, 200, 'still signed in')
  })

  it('refuses a login POST without a CSRF token (login CSRF)', async () => {
    await registered(app, 'login-csrf')
    const attacker = new WebClient(app.url)
    const res = await attacker.post('/login', {
      username: 'login-csrf',
      password: 'correct horse battery',
    })
    assert.equal(res.status, 403)
    assert.notEqual(res.location, '/profile')
  })

  it('shows a username containing <script> as text, never as markup', async () => {
    const name = '<script>alert(1)</script>'
    const client = await registered(app, name)
    const res = await client.get('/profile')
    assert.equal(res.status, 200)
    assert.ok(res.body.includes('welcome &lt;script&gt;alert(1)&lt;/script&gt;'))
    assert.ok(!res.body.includes('<script>'))
  })

  it('answers an oversized body with 413 and a generic page without internals', async () => {
    const client = new WebClient(app.url)
    const page = await client.get('/login')
    const res = await client.post('/login', {
      _csrf: csrfTokenOf(page.body),
      username: 'x',
      password: 'p'.repeat(20_000),
    })
    assert.equal(res.status, 413)
    assert.match(res.body, /too large/)
    assert.match(res.body, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'a correlation id')
    assert.doesNotMatch(res.body, /PayloadTooLargeError|node_modules|\s+at \S+:\d+/)
  })

  it('answers a JSON body with 415 and a generic page', async () => {
    const client = new WebClient(app.url)
    const res = await client.request('/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'a', password: 'b' }),
      headers: {
        'content-type': 'application/json',
        origin: app.url,
        'sec-fetch-site': 'same-origin',
      },
    })
    assert.equal(res.status, 415)
    assert.doesNotMatch(res.body, /UnsupportedMediaTypeError|node_modules|\s+at \S+:\d+/)
  })

  it('answers an unknown path with a generic 404 page', async () => {
    const res = await new WebClient(app.url).get('/nope')
    assert.equal(res.status, 404)
    assert.match(res.body, /Page not found/)
  })

  it('sends Cache-Control: no-store on authenticated pages', async () => {
    const client = await registered(app, 'cache-control')
    for (const path of ['/profile', '/sessions', '/inspect']) {
      const res = await client.get(path)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers.get('cache-control'), 'no-store', path)
    }
  })

  it('redirects an anonymous visitor from /profile to /login, and a signed-in one from /login to /profile', async () => {
    const anonymous = await new WebClient(app.url).get('/profile')
    assert.equal(anonymous.status, 303)
    assert.equal(anonymous.location, '/login')
    const client = await registered(app, 'redirects')
    const login = await client.get('/login')
    assert.equal(login.status, 303)
    assert.equal(login.location, '/profile')
  })

  it('counts visits to /profile: 1, 2, 3', async () => {
    const client = await registered(app, 'counter')
    for (const expected of [1, 2, 3]) {
      const res = await client.get('/profile')
      assert.match(res.body, new RegExp(`data-testid="views">${expected}<`))
    }
  })

  it('signs out with POST /logout, after which /profile redirects to /login', async () => {
    const client = await registered(app, 'logout')
    const res = await client.submit('/profile', '/logout', {})
    assert.equal(res.status, 303)
    assert.equal(res.location, '/login')
    assert.equal((await client.get('/profile')).location, '/login')
  })

  it('does not sign out on GET /logout: it shows a confirmation form', async () => {
    const client = await registered(app, 'get-logout')
    const res = await client.get('/logout')
    assert.equal(res.status, 200)
    assert.match(res.body, /action="\/logout"/)
    assert.equal((await client.get('/profile')).status, 200)
  })

  it('lists two devices on /sessions and revokes the other one', async () => {
    const laptop = await registered(app, 'two-devices')
    const phone = new WebClient(app.url, 'Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile')
    const login = await phone.submit('/login', '/login', {
      username: 'two-devices',
      password: 'correct horse battery',
    })
    assert.equal(login.location, '/profile')
    const page = await laptop.get('/sessions')
    assert.equal(page.body.match(/data-testid="session-row"/g)?.length, 2)
    assert.match(page.body, /this device/)
    assert.match(page.body, /Chrome on Android/)
    const handle = /name="handle" value="([^"]+)"/.exec(page.body)?.[1]
    assert.ok(handle)
    const revoke = await laptop.post('/sessions/revoke', { _csrf: csrfTokenOf(page.body), handle })
    assert.equal(revoke.location, '/sessions?done=revoked')
    assert.equal((await phone.get('/profile')).location, '/login')
    assert.equal((await laptop.get('/profile')).status, 200)
  })

  it('reports the store on /healthz', async () => {
    const res = await new WebClient(app.url).get('/healthz')
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), { status: 'ok', carrier: 'server', store: 'memory' })
  })
})

describe('reference app with the SQLite store', () => {
  it('keeps a signed-in session across a restart of the server (server carrier)', async () => {
    const first = await startTestApp({ store: 'sqlite' })
    const client = await registered(first, 'restart')
    assert.match((await client.get('/profile')).body, /views">1</)
    await first.close(true)
    const second = await startTestApp({
      store: 'sqlite',
      dataDir: first.config.dataDir,
      keys: first.config.keys,
    })
    try {
      const again = new WebClient(second.url)
      for (const [k, v] of client.cookies) again.cookies.set(k, v)
      const res = await again.get('/profile')
      assert.equal(res.status, 200)
      assert.match(res.body, /welcome restart/)
      assert.match(res.body, /views">2</)
    } finally {
      await second.close()
    }
  })
})

describe('reference app on the networked stores', () => {
  const stores = [
    ['redis', 'REDIS_URL'],
    ['postgres', 'DATABASE_URL'],
  ] as const
  for (const [store, variable] of stores) {
    const url = process.env[variable]
    const required = process.env.TESSERA_REQUIRE_SERVICES === '1'
    const skip = url === undefined && !required ? `${variable} is not set` : false
    it(`counts visits and revokes another device on ${store}`, { skip }, async () => {
      assert.ok(url, `${variable} must be set when TESSERA_REQUIRE_SERVICES=1`)
      const app = await startTestApp({
        store,
        [store === 'redis' ? 'redisUrl' : 'databaseUrl']: url,
      })
      try {
        // The accounts outlive the app in the shared store: a name of its own for every run.
        const username = uniqueName('networked')
        const laptop = await registered(app, username)
        for (const expected of [1, 2]) {
          assert.match((await laptop.get('/profile')).body, new RegExp(`views">${expected}<`))
        }
        const phone = new WebClient(app.url, 'phone')
        await phone.submit('/login', '/login', {
          username,
          password: 'correct horse battery',
        })
        const page = await laptop.get('/sessions')
        const handle = /name="handle" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
        await laptop.post('/sessions/revoke', { _csrf: csrfTokenOf(page.body), handle })
        assert.equal((await phone.get('/profile')).location, '/login')
        const health = await new WebClient(app.url).get('/healthz')
        assert.deepEqual(JSON.parse(health.body), { status: 'ok', carrier: 'server', store })
      } finally {
        await app.close()
      }
    })
  }
})

describe('/healthz', () => {
  it('answers 503 once the store is gone (the session middleware\u2019s ready() fails)', async () => {
    const app = await startTestApp({ store: 'sqlite' })
    try {
      assert.equal((await new WebClient(app.url).get('/healthz')).status, 200)
      await app.store.close?.()
      const res = await new WebClient(app.url).get('/healthz')
      assert.equal(res.status, 503)
      assert.deepEqual(JSON.parse(res.body), {
        status: 'unavailable',
        carrier: 'server',
        store: 'sqlite',
      })
    } finally {
      await app.close().catch(() => {})
    }
  })
})

describe('refusals in every carrier', () => {
  for (const carrier of ['server', 'cookie', 'token'] as const) {
    it(`${carrier}: refuses a cross-site POST and a login without a CSRF token with 403`, async () => {
      const app = await startTestApp({ carrier })
      try {
        const client = await registered(app, `refused-${carrier}`)
        const token = csrfTokenOf((await client.get('/profile')).body)
        const crossSite = await client.post(
          '/logout',
          { _csrf: token },
          { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        )
        assert.equal(crossSite.status, 403)
        assert.equal((await client.get('/profile')).status, 200, 'still signed in')
        const attacker = new WebClient(app.url)
        const login = await attacker.post('/login', {
          username: `refused-${carrier}`,
          password: 'correct horse battery',
        })
        assert.equal(login.status, 403)
      } finally {
        await app.close()
      }
    })

    it(`${carrier}: accepts the browser's cookie and refuses an edited copy of it`, async () => {
      const app = await startTestApp({ carrier })
      try {
        const client = await registered(app, `inspector-${carrier}`)
        const res = await client.get('/inspect')
        assert.equal(res.status, 200)
        const proof = /data-testid="tamper-result">([\s\S]*?)<\/p>/.exec(res.body)?.[1] ?? ''
        assert.match(proof, /as sent: accepted/)
        assert.match(proof, /: refused \(/)
        const id = client.cookies.get('tessera') ?? ''
        assert.ok(id.length > 20)
        assert.ok(!res.body.includes(id), 'the page never shows the whole session secret')
      } finally {
        await app.close()
      }
    })
  }
})

describe('ending other sessions after the sign-in is no longer recent', () => {
  it('asks for the password again, and changes nothing when it does not match', async () => {
    const app = await startTestApp({}, { recentAuthSeconds: 0 })
    try {
      const laptop = await registered(app, 'sudo')
      const phone = new WebClient(app.url, 'phone')
      await phone.submit('/login', '/login', {
        username: 'sudo',
        password: 'correct horse battery',
      })
      const page = await laptop.get('/sessions')
      assert.match(page.body, /confirm your password/)
      const handle = /name="handle" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
      const form = { _csrf: csrfTokenOf(page.body), handle }
      const wrong = await laptop.post('/sessions/revoke', { ...form, password: 'not it at all' })
      assert.equal(wrong.location, '/sessions?done=password')
      const missing = await laptop.post('/sessions/logout-others', { _csrf: form._csrf })
      assert.equal(missing.location, '/sessions?done=password')
      assert.equal((await phone.get('/profile')).status, 200, 'the other session survived')
      const right = await laptop.post('/sessions/revoke', {
        ...form,
        password: 'correct horse battery',
      })
      assert.equal(right.location, '/sessions?done=revoked')
      assert.equal((await phone.get('/profile')).location, '/login')
    } finally {
      await app.close()
    }
  })
})
