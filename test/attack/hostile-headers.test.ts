// Attack suite: hostile Cookie headers on every carrier and store over real HTTP: malformed
// values, raw and broken UTF-8, prototype keys, oversized headers, control bytes and duplicate
// auth cookies (docs/security-requirements.md: IN-1, IN-3, IN-4, IN-5).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  authCookieNames,
  forEachVariant,
  isServerError,
  type Instance,
} from '../helpers/attack-matrix.js'
import { rawStatus, type Client } from '../helpers/http.js'

const b64 = (text: string) => Buffer.from(text).toString('base64url')
const json = (value: unknown) => b64(JSON.stringify(value))
const HEADER = json({ alg: 'HS256', typ: 'at+jwt', kid: 'attack-1' })
const CLAIMS = json({ iss: 'tessera', aud: 'tessera', sub: 'alice', sid: 'x', exp: 4e9 })
const SIGNATURE = b64('not a signature, 32 bytes long!!')

/** Values no carrier ever issued, each put in every auth cookie of the carrier (IN-3). */
const MALFORMED: [string, string][] = [
  ['broken percent-encoding', '%E0%A4%A'],
  ['a lone percent sign', '%'],
  ['an invalid percent escape', '%zz%G1'],
  ['a percent-encoded NUL', '%00'],
  ['invalid base64 characters', 'ab+c/d=='],
  ['base64 padding only', '===='],
  ['a JWT with 2 segments', `${HEADER}.${CLAIMS}`],
  ['a JWT with 4 segments', `${HEADER}.${CLAIMS}.${SIGNATURE}.${SIGNATURE}`],
  ['a JWT with an empty signature', `${HEADER}.${CLAIMS}.`],
  ['a JWT with alg none', `${json({ alg: 'none', typ: 'at+jwt' })}.${CLAIMS}.`],
  ['a JWT with a non-JSON header', `${b64('not json at all')}.${CLAIMS}.${SIGNATURE}`],
  ['a JWT whose header is a JSON array', `${json(['HS256'])}.${CLAIMS}.${SIGNATURE}`],
  ['a JWT with duplicate header keys', `${b64('{"alg":"HS256","alg":"none"}')}.${CLAIMS}.`],
  [
    'a JWT with a deeply nested payload',
    `${HEADER}.${b64('['.repeat(1200) + ']'.repeat(1200))}.${SIGNATURE}`,
  ],
  [
    'a JWT with __proto__ keys',
    `${b64('{"alg":"HS256","__proto__":{"alg":"none"}}')}.${b64('{"__proto__":{"sub":"admin"},"constructor":{"prototype":{"admin":true}}}')}.${SIGNATURE}`,
  ],
  ['__proto__ as the value', '__proto__'],
  ['a sealed-looking value', `v1.attack-1.${b64('x'.repeat(60))}.${b64('y'.repeat(16))}`],
  ['a quoted value', '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"'],
  ['an empty value', ''],
  ['a 4100-character value', 'A'.repeat(4100)],
]

/** Raw bytes no client library would send (fetch refuses them), as the cookie's value. */
const RAW_BYTES: [string, Buffer][] = [
  ['raw UTF-8', Buffer.from('ñandú-🍪', 'utf8')],
  ['a byte-order mark', Buffer.from('\ufeffAAAA', 'utf8')],
  ['a right-to-left override', Buffer.from('\u202eAAAA\u202c', 'utf8')],
  ['an overlong UTF-8 slash', Buffer.from([0xc0, 0xaf, 0x41])],
  ['a lone continuation byte', Buffer.from([0x80, 0x41])],
  ['a truncated 3-byte sequence', Buffer.from([0xe2, 0x82])],
  ['0xFF and 0xFE', Buffer.from([0xff, 0xfe, 0x41])],
]

const cookieLine = (...parts: (string | Buffer)[]) =>
  Buffer.concat([Buffer.from('Cookie: '), ...parts.map((p) => Buffer.from(p))])

function header(c: Client): string {
  return c.cookieHeader() ?? ''
}

async function profile(
  instance: Instance,
  cookie: string,
): Promise<{ status: number; user: unknown }> {
  const res = await instance.client().request('/profile', { headers: { cookie } })
  return {
    status: res.status,
    user: res.status === 200 ? (JSON.parse(res.text) as { userId: unknown }).userId : null,
  }
}

forEachVariant('attack: hostile Cookie headers', (app, variant) => {
  const names = authCookieNames(variant.carrier)

  it('malformed auth cookie values (percent-encoding, base64, JWT shapes, JSON, __proto__) give no session and no 5xx (IN-3)', async () => {
    const wrong: string[] = []
    for (const name of names) {
      for (const [label, value] of MALFORMED) {
        const got = await profile(app(), `${name}=${value}`)
        if (got.status !== 401) wrong.push(`${name}: ${label} → ${got.status}`)
      }
    }
    assert.deepEqual(wrong, [])
  })

  it('raw UTF-8, BOM, RTL override, overlong and lone UTF-8 bytes give no session and no 5xx (IN-3)', async () => {
    const wrong: string[] = []
    for (const name of names) {
      for (const [label, bytes] of RAW_BYTES) {
        const status = await rawStatus(app().server.port, '/profile', [
          cookieLine(`${name}=`, bytes),
        ])
        if (status !== 401) wrong.push(`${name}: ${label} → ${status}`)
      }
    }
    assert.deepEqual(wrong, [])
  })

  it('hostile cookies beside the genuine ones leave the session intact (prototype names, raw bytes)', async () => {
    const victim = await app().signedIn('victim')
    const prototypeNames = `__proto__=x; constructor=y; hasOwnProperty=z; ${header(victim)}`
    assert.deepEqual(await profile(app(), prototypeNames), { status: 200, user: 'victim' })
    for (const [label, bytes] of RAW_BYTES) {
      const line = cookieLine('junk=', bytes, `; ${header(victim)}`)
      assert.equal(await rawStatus(app().server.port, '/profile', [line]), 200, label)
    }
  })

  it('a 15 KiB Cookie header is served normally (IN-1)', async () => {
    const victim = await app().signedIn('victim')
    const filler = Array.from({ length: 15 }, (_, i) => `f${i}=${'x'.repeat(1000)}`).join('; ')
    assert.ok(filler.length > 15_000 && filler.length < 15_500)
    assert.deepEqual(await profile(app(), `${filler}; ${header(victim)}`), {
      status: 200,
      user: 'victim',
    })
    assert.deepEqual(await profile(app(), `${filler}; ${names[0]}=${'A'.repeat(300)}`), {
      status: 401,
      user: null,
    })
  })

  it('a Cookie header beyond Node’s 16 KiB limit gets 431 and the server stays up (IN-1)', async () => {
    const victim = await app().signedIn('victim')
    const big = `${header(victim)}; big=${'x'.repeat(17 * 1024)}`
    const events = app().t.events.length
    assert.equal(
      (
        await app()
          .client()
          .request('/profile', { headers: { cookie: big } })
      ).status,
      431,
    )
    assert.equal(app().t.events.length, events, 'the request never reached the app')
    assert.deepEqual(await profile(app(), header(victim)), { status: 200, user: 'victim' })
  })

  it('NUL, CR, control bytes and obs-fold in the Cookie header get 400 before the app sees them (IN-4)', async () => {
    const victim = await app().signedIn('victim')
    const lines: [string, Buffer[]][] = [
      ['NUL', [cookieLine(`${names[0]}=A`, Buffer.from([0]), 'B')]],
      ['a bare CR', [cookieLine(`${names[0]}=A`, Buffer.from([13]), 'B')]],
      ['a control byte', [cookieLine(`${names[0]}=A`, Buffer.from([1]), 'B')]],
      ['obs-fold', [cookieLine(header(victim)), Buffer.from(' ; more=1')]],
    ]
    const events = app().t.events.length
    for (const [label, raw] of lines) {
      assert.equal(await rawStatus(app().server.port, '/profile', raw), 400, label)
    }
    assert.equal(app().t.events.length, events, 'none reached the app')
    assert.deepEqual(await profile(app(), header(victim)), { status: 200, user: 'victim' })
  })

  it('an attacker’s tossed auth cookie sent before the victim’s valid one: never the attacker’s session, the same answer every time, no 5xx (IN-5)', async () => {
    const victim = await app().signedIn('victim')
    const attacker = await app().signedIn('mallory')
    for (const name of names) {
      const tossed = `${name}=${attacker.jar.get(name)}; ${header(victim)}`
      const answers = []
      for (let i = 0; i < 3; i++) answers.push(await profile(app(), tossed))
      assert.ok(!isServerError(answers[0]!.status), `${name}: no 5xx`)
      assert.notEqual(answers[0]!.user, 'mallory', `${name}: never the attacker's session`)
      assert.deepEqual(answers.slice(1), [answers[0], answers[0]], `${name}: deterministic`)
      // The cookie that identifies the session is refused when it comes twice with different
      // values; the token carrier reads its refresh cookie only when the access token fails.
      if (name === names[0]) assert.equal(answers[0]!.status, 401, `${name}: refused`)
    }
    assert.deepEqual(await profile(app(), header(victim)), { status: 200, user: 'victim' })
    assert.deepEqual(await profile(app(), header(attacker)), { status: 200, user: 'mallory' })
  })

  it('the same auth cookie sent twice with the same value is one cookie (IN-5)', async () => {
    const victim = await app().signedIn('victim')
    const twice = `${header(victim)}; ${header(victim)}`
    assert.deepEqual(await profile(app(), twice), { status: 200, user: 'victim' })
  })

  it('none of the hostile requests broke the server', async () => {
    const res = await app().client().request('/profile')
    assert.ok(!isServerError(res.status))
    assert.equal(res.status, 401)
  })
})
