import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  MAX_COOKIE_AGE_SECONDS,
  MAX_COOKIE_BYTES,
  MAX_COOKIE_HEADER_BYTES,
  MAX_SET_COOKIE_BYTES,
  parseCookie,
  parseCookieAll,
  serializeCookie,
  type CookieAttributes,
} from '../../src/cookie/index.js'
import { cookieSerializer } from '../../src/cookie/codec.js'
import { isTesseraError } from '../../src/errors.js'
import { repoFile } from '../helpers/paths.js'

const NOW = Date.UTC(2026, 0, 1)
const DAY_MS = 24 * 60 * 60 * 1000

function plain(record: object): Record<string, unknown> {
  return { ...record }
}

function throwsCookieInvalid(fn: () => unknown, mentions?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTesseraError(err, 'ERR_COOKIE_INVALID'), String(err))
    if (mentions !== undefined) assert.ok(err.message.includes(mentions), err.message)
    return true
  })
}

describe('parseCookie', () => {
  it('parses the RFC 6265bis §3.1 examples', () => {
    assert.deepEqual(plain(parseCookie('SID=31d4d96e407aad42')), { SID: '31d4d96e407aad42' })
    assert.deepEqual(plain(parseCookie('SID=31d4d96e407aad42; lang=en-US')), {
      SID: '31d4d96e407aad42',
      lang: 'en-US',
    })
  })

  it('returns a record without a prototype', () => {
    const parsed = parseCookie('a=1')
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(parsed)), null)
    assert.equal('toString' in parsed, false)
    assert.equal(parsed.hasOwnProperty, undefined)
  })

  it('does not pollute prototypes with __proto__ or constructor cookie names', () => {
    const parsed = parseCookie('__proto__=x; constructor=y; toString=z; hasOwnProperty=w')
    assert.equal(parsed['__proto__'], 'x')
    assert.equal(parsed['constructor'], 'y')
    assert.equal(parsed['toString'], 'z')
    assert.equal(({} as Record<string, unknown>)['x'], undefined)
    assert.equal(Object.prototype.toString.call({}), '[object Object]')
    assert.deepEqual(Object.keys(parsed), [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
    ])
    const all = parseCookieAll('__proto__=x; __proto__=y; constructor=z')
    assert.deepEqual(all['__proto__'], ['x', 'y'])
    assert.deepEqual(all['constructor'], ['z'])
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(all)), null)
    assert.equal(({} as Record<string, unknown>)['y'], undefined)
  })

  it('keeps the first of duplicate names; parseCookieAll keeps them all in order', () => {
    const header = 'sid=first; other=1; sid=second; sid=third'
    assert.equal(parseCookie(header).sid, 'first')
    assert.deepEqual(parseCookieAll(header).sid, ['first', 'second', 'third'])
    assert.deepEqual(parseCookieAll(header).other, ['1'])
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(parseCookieAll(header))), null)
  })

  const cases: readonly (readonly [string, string, Record<string, string>])[] = [
    ['an empty header', '', {}],
    ['a lone name', 'a', {}],
    ['a pair without =', 'abc; d=1', { d: '1' }],
    ['an empty name', '=v; d=1', { d: '1' }],
    ['an empty value', 'a=; b=2', { a: '', b: '2' }],
    ['spaces and tabs around names and values', ' a = 1 ;\tb\t=\t2\t', { a: '1', b: '2' }],
    ['= inside a value', 'a=b=c==; d=e', { a: 'b=c==', d: 'e' }],
    ['a quoted value', 'a="hello"', { a: 'hello' }],
    ['a lone quote', 'a="', { a: '"' }],
    ['an unbalanced quote', 'a="x', { a: '"x' }],
    ['stray semicolons', ';;a=1;; ;b=2;', { a: '1', b: '2' }],
    ['a percent-encoded value', 'a=hello%20world%3B', { a: 'hello world;' }],
    ['broken percent-encoding, kept as sent', 'a=%E0%A4%A; b=100%', { a: '%E0%A4%A', b: '100%' }],
    ['non-ASCII bytes (latin1-decoded)', 'a=caf\u00e9', { a: 'caf\u00e9' }],
  ]
  for (const [label, header, expected] of cases) {
    it(`parses ${label}`, () => assert.deepEqual(plain(parseCookie(header)), expected))
  }

  it('refuses a header over MAX_COOKIE_HEADER_BYTES whole', () => {
    const header = `a=1; b=${'x'.repeat(MAX_COOKIE_HEADER_BYTES)}`
    assert.deepEqual(plain(parseCookie(header)), {})
    assert.deepEqual(plain(parseCookieAll(header)), {})
  })

  it('skips a single cookie whose name and value exceed MAX_COOKIE_BYTES', () => {
    const big = 'x'.repeat(MAX_COOKIE_BYTES) // with name "b" one byte over
    const limit = 'y'.repeat(MAX_COOKIE_BYTES - 1) // with name "c" exactly at the limit
    const parsed = parseCookie(`a=1; b=${big}; c=${limit}`)
    assert.deepEqual(Object.keys(parsed), ['a', 'c'])
    assert.equal(parsed.c, limit)
  })

  it('reads a header at the size limit', () => {
    const pairs: string[] = []
    for (let i = 0; pairs.join('; ').length < MAX_COOKIE_HEADER_BYTES - 4200; i++) {
      pairs.push(`c${i}=${'v'.repeat(4000)}`)
    }
    const parsed = parseCookie(pairs.join('; '))
    assert.equal(Object.keys(parsed).length, pairs.length)
  })

  it('returns an empty record for an absent header or a non-string input', () => {
    assert.deepEqual(plain(parseCookie(undefined)), {})
    assert.deepEqual(plain(parseCookie(null)), {})
    assert.deepEqual(plain(parseCookieAll(undefined)), {})
    assert.deepEqual(plain(parseCookie(42 as unknown as string)), {})
    assert.deepEqual(plain(parseCookieAll({} as unknown as string)), {})
  })

  it('is linear on many pairs without = (no rescanning)', () => {
    // Would take quadratic work if each nameless pair restarted the search for "=".
    const header = `${'a;'.repeat(5000)}b=1`
    assert.equal(parseCookie(header).b, '1')
  })

  it('never throws on arbitrary strings, including full Unicode', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom('a', '=', ';', ' ', '"', '%', '\t', '_'), maxLength: 80 }),
    )
    fc.assert(
      fc.property(text, (header) => {
        const parsed = parseCookie(header)
        const all = parseCookieAll(header)
        for (const name of Object.keys(parsed)) {
          assert.equal(typeof parsed[name], 'string')
          assert.equal(all[name]?.[0], parsed[name])
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips what serializeCookie writes', () => {
    const valueChar = fc.constantFrom(..."abcXYZ019-_.~!#$&'()*+/:<>?@[]^`{|}".split(''))
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~!#$&'*+^`|".split('')), minLength: 1 }),
        fc.string({ unit: valueChar }),
        (name, value) => {
          const pair = serializeCookie(name, value).split(';')[0] ?? ''
          assert.equal(parseCookie(pair)[name], value)
        },
      ),
    )
  })
})

interface CorpusCase {
  description: string
  header: string
  expected: Record<string, string>
  expectedAll?: Record<string, string[]>
}

describe('parseCookie on a corpus of real-world Cookie headers', () => {
  const corpus = JSON.parse(
    readFileSync(repoFile('test/fixtures/cookie-headers.json'), 'utf8'),
  ) as { cases: CorpusCase[] }
  it('has a corpus to read', () => assert.ok(corpus.cases.length >= 20))
  for (const { description, header, expected, expectedAll } of corpus.cases) {
    it(`parses ${description}`, () => {
      assert.deepEqual(plain(parseCookie(header)), expected)
      const all =
        expectedAll ?? Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [v]]))
      assert.deepEqual(plain(parseCookieAll(header)), all)
    })
  }
})

describe('serializeCookie', () => {
  it('writes the RFC 6265bis §3.1 examples', () => {
    assert.equal(
      serializeCookie('SID', '31d4d96e407aad42', { path: '/', domain: 'example.com' }),
      'SID=31d4d96e407aad42; Path=/; Domain=example.com',
    )
    assert.equal(
      serializeCookie('SID', '31d4d96e407aad42', { path: '/', secure: true, httpOnly: true }),
      'SID=31d4d96e407aad42; Path=/; Secure; HttpOnly',
    )
    assert.equal(
      serializeCookie('lang', 'en-US', { expires: new Date('Wed, 09 Jun 2021 10:18:14 GMT') }),
      'lang=en-US; Expires=Wed, 09 Jun 2021 10:18:14 GMT',
    )
    assert.equal(
      serializeCookie('lang', '', { expires: new Date('Sun, 06 Nov 1994 08:49:37 GMT') }),
      'lang=; Expires=Sun, 06 Nov 1994 08:49:37 GMT',
    )
  })

  it('writes every attribute', () => {
    const line = serializeCookie(
      'id',
      'a3fWa',
      {
        maxAge: 3600,
        expires: new Date(NOW + DAY_MS),
        domain: 'example.com',
        path: '/app',
        secure: true,
        httpOnly: true,
        sameSite: 'None',
        partitioned: true,
        priority: 'High',
      },
      NOW,
    )
    assert.equal(
      line,
      'id=a3fWa; Path=/app; Domain=example.com; Expires=Fri, 02 Jan 2026 00:00:00 GMT; ' +
        'Max-Age=3600; Secure; HttpOnly; SameSite=None; Partitioned; Priority=High',
    )
  })

  it('accepts sameSite in any case and writes it as the RFC spells it', () => {
    for (const [given, written] of [
      ['lax', 'Lax'],
      ['LAX', 'Lax'],
      ['strict', 'Strict'],
      ['none', 'None'],
      ['None', 'None'],
    ] as const) {
      const line = serializeCookie('a', 'v', { sameSite: given as 'lax', secure: true })
      assert.equal(line, `a=v; Secure; SameSite=${written}`)
    }
  })

  it('writes false flags as absent and accepts a quoted value', () => {
    assert.equal(serializeCookie('a', '"x"', { secure: false, httpOnly: false }), 'a="x"')
  })

  it('refuses a name that would inject an attribute (CVE-2024-47764)', () => {
    throwsCookieInvalid(() => serializeCookie('sid=x; Domain=evil.com; a', 'v'), 'cookie name')
    throwsCookieInvalid(() => serializeCookie('a;Path=/', 'v'), 'cookie name')
  })

  it('refuses a value, path or domain that would inject an attribute (CVE-2024-47764)', () => {
    throwsCookieInvalid(() => serializeCookie('a', 'v; Domain=evil.com'), 'value')
    throwsCookieInvalid(() => serializeCookie('a', 'v', { path: '/; Domain=evil.com' }), 'path')
    throwsCookieInvalid(() => serializeCookie('a', 'v', { domain: 'evil.com; Secure' }), 'domain')
  })

  it('never prints the value in its error message', () => {
    assert.throws(
      () => serializeCookie('a', 'SECRET-VALUE;'),
      (err: Error) => !err.message.includes('SECRET-VALUE'),
    )
  })

  const refusedNames = [
    ['an empty name', ''],
    ['a space', 'a b'],
    ['=', 'a=b'],
    [';', 'a;b'],
    ['a comma', 'a,b'],
    ['a DQUOTE', 'a"b'],
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['a tab', 'a\tb'],
    ['a slash', 'a/b'],
    ['brackets', 'a[b]'],
    ['non-ASCII', 'caf\u00e9'],
    ['an emoji', 'a\u{1f36a}'],
  ] as const
  for (const [label, name] of refusedNames) {
    it(`refuses a name with ${label}`, () => throwsCookieInvalid(() => serializeCookie(name, 'v')))
  }

  const refusedValues = [
    [';', 'a;b'],
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['CRLF header injection', 'a\r\nSet-Cookie: evil=1'],
    ['NUL', 'a\u0000'],
    ['a control character', 'a\u0001'],
    ['DEL', 'a\u007f'],
    ['a space', 'a b'],
    ['a comma', 'a,b'],
    ['a backslash', 'a\\b'],
    ['a DQUOTE inside', 'a"b'],
    ['one DQUOTE', '"ab'],
    ['non-ASCII', 'caf\u00e9'],
    ['a line separator', 'a\u2028b'],
  ] as const
  for (const [label, value] of refusedValues) {
    it(`refuses a value with ${label}`, () =>
      throwsCookieInvalid(() => serializeCookie('a', value), 'value'))
  }

  const refusedAttributes: readonly (readonly [string, CookieAttributes, string])[] = [
    ['a path with ;', { path: '/a;b' }, 'path'],
    ['a path with CR', { path: '/a\rb' }, 'path'],
    ['a path with LF', { path: '/a\nb' }, 'path'],
    ['a path with a control character', { path: '/a\u0001' }, 'path'],
    ['a path not starting with /', { path: 'app' }, 'path'],
    ['an empty path', { path: '' }, 'path'],
    ['a path over 1024 bytes', { path: `/${'a'.repeat(1024)}` }, 'path'],
    ['a domain with ;', { domain: 'a.com;b' }, 'domain'],
    ['a domain with a space', { domain: 'a .com' }, 'domain'],
    ['a domain with CRLF', { domain: 'a.com\r\n' }, 'domain'],
    ['a domain with a port', { domain: 'a.com:80' }, 'domain'],
    ['a domain with a slash', { domain: 'a.com/x' }, 'domain'],
    ['an empty domain', { domain: '' }, 'domain'],
    ['a domain over 253 characters', { domain: `${'a.'.repeat(127)}com` }, 'domain'],
    ['a fractional maxAge', { maxAge: 1.5 }, 'maxAge'],
    ['a negative maxAge', { maxAge: -1 }, 'maxAge'],
    ['a NaN maxAge', { maxAge: Number.NaN }, 'maxAge'],
    ['an infinite maxAge', { maxAge: Number.POSITIVE_INFINITY }, 'maxAge'],
    ['a string maxAge', { maxAge: '60' as unknown as number }, 'maxAge'],
    ['an invalid Date', { expires: new Date(Number.NaN) }, 'expires'],
    ['a string expires', { expires: 'tomorrow' as unknown as Date }, 'expires'],
    ['an unknown sameSite', { sameSite: 'loose' as 'Lax' }, 'sameSite'],
    ['a sameSite with spaces', { sameSite: ' lax' as 'Lax' }, 'sameSite'],
    ['a non-string sameSite', { sameSite: 1 as unknown as 'Lax' }, 'sameSite'],
    ['"none" in lower case without Secure', { sameSite: 'none' }, 'secure'],
    ['an unknown priority', { priority: 'Urgent' as 'High' }, 'priority'],
    ['a non-boolean secure', { secure: 'yes' as unknown as boolean }, 'secure'],
    ['a non-boolean httpOnly', { httpOnly: 1 as unknown as boolean }, 'httpOnly'],
    ['a misspelt attribute', { httponly: true } as CookieAttributes, 'httponly'],
    ['SameSite=None without Secure', { sameSite: 'None' }, 'secure'],
    ['Partitioned without Secure', { partitioned: true }, 'secure'],
  ]
  for (const [label, attributes, mentions] of refusedAttributes) {
    it(`refuses ${label}`, () =>
      throwsCookieInvalid(() => serializeCookie('a', 'v', attributes, NOW), mentions))
  }

  it('refuses a non-object attributes argument', () => {
    throwsCookieInvalid(() => serializeCookie('a', 'v', null as unknown as CookieAttributes))
  })

  describe('the 400-day cap', () => {
    it('accepts maxAge of exactly 400 days and refuses one second more', () => {
      assert.match(
        serializeCookie('a', 'v', { maxAge: MAX_COOKIE_AGE_SECONDS }),
        /Max-Age=34560000/,
      )
      throwsCookieInvalid(
        () => serializeCookie('a', 'v', { maxAge: MAX_COOKIE_AGE_SECONDS + 1 }),
        'maxAge',
      )
    })
    it('accepts expires 400 days from now and refuses a later one', () => {
      const limit = new Date(NOW + 400 * DAY_MS)
      assert.match(serializeCookie('a', 'v', { expires: limit }, NOW), /Expires=/)
      throwsCookieInvalid(
        () => serializeCookie('a', 'v', { expires: new Date(NOW + 400 * DAY_MS + 1000) }, NOW),
        'expires',
      )
    })
    it('accepts maxAge 0 and a past expires, which delete the cookie', () => {
      assert.equal(serializeCookie('a', '', { maxAge: 0 }), 'a=; Max-Age=0')
      assert.match(serializeCookie('a', '', { expires: new Date(0) }, NOW), /1970/)
    })
  })

  describe('the 4096-byte limit', () => {
    it(`accepts a name and value of exactly ${MAX_COOKIE_BYTES} bytes`, () => {
      const value = 'v'.repeat(MAX_COOKIE_BYTES - 3)
      assert.equal(serializeCookie('abc', value), `abc=${value}`)
    })
    it(`refuses a Set-Cookie line over ${MAX_SET_COOKIE_BYTES} bytes`, () => {
      const value = 'v'.repeat(MAX_COOKIE_BYTES - 3)
      const path = `/${'p'.repeat(1000)}`
      assert.ok(serializeCookie('abc', value, { path: '/', secure: true, httpOnly: true }))
      throwsCookieInvalid(
        () => serializeCookie('abc', value, { path, domain: 'example.com', secure: true }),
        `the limit is ${MAX_SET_COOKIE_BYTES}`,
      )
    })
    it('refuses one byte more, with a clear error', () => {
      throwsCookieInvalid(
        () => serializeCookie('abc', 'v'.repeat(MAX_COOKIE_BYTES - 2)),
        'the limit is 4096',
      )
    })
  })

  describe('cookie prefixes (RFC 6265bis §4.1.3)', () => {
    const host = { secure: true, path: '/' } as const
    const accepted: readonly (readonly [string, string, CookieAttributes])[] = [
      ['__Host- with Secure and Path=/', '__Host-sid', host],
      ['__Secure- with Secure', '__Secure-sid', { secure: true, domain: 'example.com' }],
      ['__Http- with Secure and HttpOnly', '__Http-sid', { secure: true, httpOnly: true }],
      ['__Host-Http- with all four', '__Host-Http-sid', { ...host, httpOnly: true }],
      ['an unprefixed name starting with __', '__utma', {}],
    ]
    for (const [label, name, attributes] of accepted) {
      it(`accepts ${label}`, () => assert.ok(serializeCookie(name, 'v', attributes)))
    }
    const refused: readonly (readonly [string, string, CookieAttributes])[] = [
      ['__Host- without Secure', '__Host-sid', { path: '/' }],
      ['__Host- without Path', '__Host-sid', { secure: true }],
      ['__Host- with Path=/app', '__Host-sid', { secure: true, path: '/app' }],
      ['__Host- with a Domain', '__Host-sid', { ...host, domain: 'example.com' }],
      ['__host- in lower case without Secure', '__host-sid', { path: '/' }],
      ['__HOST- in upper case with a Domain', '__HOST-sid', { ...host, domain: 'example.com' }],
      ['__Secure- without Secure', '__Secure-sid', {}],
      ['__SECURE- in upper case without Secure', '__SECURE-sid', { httpOnly: true }],
      ['__Http- without HttpOnly', '__Http-sid', { secure: true }],
      ['__Host-Http- without HttpOnly', '__Host-Http-sid', host],
    ]
    for (const [label, name, attributes] of refused) {
      it(`refuses ${label}`, () =>
        throwsCookieInvalid(() => serializeCookie(name, 'v', attributes)))
    }
  })
})

describe('cookieSerializer (internal: serializeCookie checked once per attribute set)', () => {
  const attributes: CookieAttributes = {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'lax',
    maxAge: 60,
  }

  it('writes the value with the attributes checked once, for any cookie-safe value', () => {
    // serializeCookie is built on cookieSerializer, so the expected text is spelt out here.
    const serialize = cookieSerializer('__Host-sid', attributes, NOW)
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{0,200}$/), (value) => {
        const expected = `__Host-sid=${value}; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax`
        assert.equal(serialize(value), expected)
        assert.equal(serializeCookie('__Host-sid', value, attributes, NOW), expected)
      }),
    )
  })

  it('refuses a bad name or attribute when made, and a bad value on each call', () => {
    throwsCookieInvalid(() => cookieSerializer('bad name', attributes), 'cookie name')
    throwsCookieInvalid(
      () => cookieSerializer('__Host-sid', { ...attributes, path: '/x' }),
      '__Host-',
    )
    throwsCookieInvalid(
      () => cookieSerializer('sid', { httpOnly: true, secure: false, partitioned: true }),
      'partitioned',
    )
    const serialize = cookieSerializer('sid', attributes, NOW)
    throwsCookieInvalid(() => serialize('a;b'), 'cookie-octets')
    throwsCookieInvalid(() => serialize('x'.repeat(MAX_COOKIE_BYTES)), 'limit')
  })
})
