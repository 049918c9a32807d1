import { TesseraError } from '../errors.js'

/** Largest name + value a cookie may have, in bytes (RFC 6265bis §5.7: user agents drop larger ones). */
export const MAX_COOKIE_BYTES = 4096
/**
 * Largest `Cookie` header `parseCookie` reads, in bytes: Node's default `maxHeaderSize` (16 KiB).
 * A larger header is refused whole (parsed as no cookies).
 */
export const MAX_COOKIE_HEADER_BYTES = 16384
/**
 * Largest attribute value (`Path`) `serializeCookie` writes (RFC 6265bis §5.7: browsers ignore
 * longer ones). `Domain` is held to 253 characters, the DNS limit.
 */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024
/**
 * Largest whole `Set-Cookie` value `serializeCookie` writes, in bytes: a full-size cookie plus
 * 1 KiB of attributes. Typical attributes take about 100 bytes.
 */
export const MAX_SET_COOKIE_BYTES = MAX_COOKIE_BYTES + 1024
/** Longest lifetime a cookie may ask for: 400 days in seconds (RFC 6265bis §5.6.1, §5.6.2). */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 60 * 60

/** Cookie names to values, with no prototype: a cookie named `__proto__` is just a key. */
export type CookieRecord = Record<string, string>

/** Cookie names to every value sent under that name, in header order, with no prototype. */
export type CookieListRecord = Record<string, string[]>

/** The attributes `serializeCookie` writes. `maxAge` is in seconds, as in the header. */
export interface CookieAttributes {
  /** Seconds until the cookie expires; 0 deletes it. At most 400 days. */
  maxAge?: number | undefined
  /** When the cookie expires. At most 400 days from now; a past date deletes it. */
  expires?: Date | undefined
  /** Leave unset for a host-only cookie (the safe default); not allowed with `__Host-`. */
  domain?: string | undefined
  /** Must start with `/`; `__Host-` cookies need exactly `/`. */
  path?: string | undefined
  /** Send only over HTTPS; required by `SameSite=None`, `Partitioned` and the prefixes. */
  secure?: boolean | undefined
  /** Hide the cookie from scripts (`document.cookie`). */
  httpOnly?: boolean | undefined
  /** `None` needs `secure`. Any case (`'lax'`, as the `cookie` package and Express accept). */
  sameSite?: SameSiteInput | undefined
  /** CHIPS: a cookie keyed to the top-level site. Needs `secure`. */
  partitioned?: boolean | undefined
  /** A Chromium extension honoured when the browser evicts cookies. */
  priority?: 'Low' | 'Medium' | 'High' | undefined
}

// Constructing an object whose prototype has no prototype is faster than Object.create(null)
// and gives the same guarantee: `__proto__`, `constructor` and `toString` are ordinary keys.
const NullRecord = (() => {
  function Empty(): void {}
  Empty.prototype = Object.create(null) as object
  return Empty as unknown as new () => Record<string, unknown>
})()

/**
 * Parses a `Cookie` request header into a null-prototype record. Never throws; an absent header
 * (`undefined`, as `req.headers.cookie` often is) gives an empty record.
 *
 * - Pairs are split on `;`; spaces and tabs around names and values are trimmed; a pair without
 *   `=` or with an empty name is skipped.
 * - Duplicate names: the **first occurrence wins**. Browsers send cookies with longer paths first
 *   (RFC 6265bis §5.8.3), so the first is the most specific. Use `parseCookieAll` to see all of
 *   them (duplicates are how cookie tossing works; `__Host-` names are the real defence).
 * - A value wrapped in DQUOTEs has them removed (RFC 6265bis §4.1.1 `cookie-value`).
 * - A value containing `%` is percent-decoded when it decodes cleanly and kept as sent otherwise,
 *   like the `cookie` package; tessera's own values are base64url and never contain `%`.
 * - A header over `MAX_COOKIE_HEADER_BYTES` gives an empty record; a single cookie whose name and
 *   value exceed `MAX_COOKIE_BYTES` is skipped. Sizes are counted in characters, which for a
 *   header Node decoded (latin1) are bytes.
 *
 * @example
 * parseCookie('sid=abc; theme="dark"; sid=evil') // { sid: 'abc', theme: 'dark' }
 */
export function parseCookie(header: string | null | undefined): CookieRecord {
  const out = new NullRecord() as CookieRecord
  if (typeof header !== 'string') return out
  let index = firstPair(header)
  while (index !== -1) {
    index = nextPair(header, index)
    const { nameStart, nameEnd } = pair
    if (nameEnd > nameStart) {
      const name = header.slice(nameStart, nameEnd)
      if (out[name] === undefined) out[name] = pairValue(header)
    }
  }
  return out
}

/**
 * Like `parseCookie`, but keeps every value of every name, in header order, so a caller can
 * detect (and refuse) a request that carries two cookies of the same name.
 *
 * @example
 * parseCookieAll('sid=abc; sid=evil').sid // ['abc', 'evil']
 */
export function parseCookieAll(header: string | null | undefined): CookieListRecord {
  const out = new NullRecord() as CookieListRecord
  if (typeof header !== 'string') return out
  for (let index = firstPair(header); index !== -1;) {
    index = nextPair(header, index)
    const name = pairName(header)
    if (name !== null) (out[name] ??= []).push(pairValue(header))
  }
  return out
}

/**
 * The value of cookie `name` in `header` as `parseCookieAll(header)[name]` would list it:
 * undefined when absent, null when it appears more than once with different values, else the
 * value. Allocates nothing but the value: a carrier reads its one cookie on every request.
 */
export function cookieValueOf(header: string, name: string): string | null | undefined {
  let found: string | undefined
  for (let index = firstPair(header); index !== -1;) {
    index = nextPair(header, index)
    const { nameStart, nameEnd } = pair
    if (nameEnd - nameStart !== name.length || !header.startsWith(name, nameStart)) continue
    const value = pairValue(header)
    if (found === undefined) found = value
    else if (found !== value) return null
  }
  return found
}

// The bounds of the pair `nextPair` found last. One shared object, filled in place: parsing is
// synchronous, and this keeps the hot loop free of allocations (and of regular expressions and
// split) while both parsers share it.
const pair = { nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 }

/** Where parsing starts: 0, or -1 for a header too short to hold a pair or over the limit. */
function firstPair(header: string): number {
  return header.length < 2 || header.length > MAX_COOKIE_HEADER_BYTES ? -1 : 0
}

/**
 * Finds the next `name=value` pair at or after `index`, trims blanks around name and value into
 * `pair` (an empty name when the pair is to be skipped), and returns where to continue, or -1.
 */
function nextPair(header: string, index: number): number {
  const len = header.length
  let eq = header.indexOf('=', index)
  let end = header.indexOf(';', index)
  while (eq !== -1 && end !== -1 && eq > end) {
    // Pairs without "=": jump to the pair that holds the "=" found, without rescanning.
    index = header.lastIndexOf(';', eq - 1) + 1
    end = header.indexOf(';', index)
  }
  if (eq === -1) {
    pair.nameEnd = pair.nameStart
    return -1
  }
  if (end === -1) end = len
  let nameStart = index
  let nameEnd = eq
  while (nameStart < nameEnd && isBlank(header.charCodeAt(nameStart))) nameStart++
  while (nameEnd > nameStart && isBlank(header.charCodeAt(nameEnd - 1))) nameEnd--
  let valueStart = eq + 1
  let valueEnd = end
  while (valueStart < valueEnd && isBlank(header.charCodeAt(valueStart))) valueStart++
  while (valueEnd > valueStart && isBlank(header.charCodeAt(valueEnd - 1))) valueEnd--
  // A cookie over the size limit is skipped like a nameless one.
  if (nameEnd - nameStart + valueEnd - valueStart > MAX_COOKIE_BYTES) nameEnd = nameStart
  pair.nameStart = nameStart
  pair.nameEnd = nameEnd
  pair.valueStart = valueStart
  pair.valueEnd = valueEnd
  eq = end + 1
  return eq < len ? eq : -1
}

/** The name of the current pair, or null when the pair is to be skipped. */
function pairName(header: string): string | null {
  return pair.nameEnd > pair.nameStart ? header.slice(pair.nameStart, pair.nameEnd) : null
}

/** The value of the current pair: surrounding DQUOTEs removed, percent-decoded when it can be. */
function pairValue(header: string): string {
  let { valueStart, valueEnd } = pair
  if (
    valueEnd - valueStart >= 2 &&
    header.charCodeAt(valueStart) === 0x22 &&
    header.charCodeAt(valueEnd - 1) === 0x22
  ) {
    valueStart++
    valueEnd--
  }
  return decode(header.slice(valueStart, valueEnd))
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09
}

function decode(value: string): string {
  if (value.indexOf('%') === -1) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value // malformed percent-encoding: keep what was sent
  }
}

// RFC 9110 §5.6.2 token: what a cookie name may contain (RFC 6265bis §4.1.1).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 6265bis §4.1.1 cookie-value: cookie-octets, optionally inside one pair of DQUOTEs. No
// space, DQUOTE, comma, semicolon, backslash, control character or non-ASCII.
const COOKIE_VALUE =
  /^(?:"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"|[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*)$/
// RFC 1034 §3.5 labels as amended by RFC 1123 §2.1, 253 characters in all; one leading dot
// tolerated (RFC 6265bis §5.6.3).
const DOMAIN =
  /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i
// RFC 6265bis §4.1.1 path-value: any CHAR except CTLs or ";"; it must start with "/" to be used.
const PATH = /^\/[\x20-\x3a\x3c-\x7e]*$/
const ATTRIBUTE_NAMES = new Set([
  'maxAge',
  'expires',
  'domain',
  'path',
  'secure',
  'httpOnly',
  'sameSite',
  'partitioned',
  'priority',
])
const SAME_SITE = new Map<string, SameSite>([
  ['strict', 'Strict'],
  ['lax', 'Lax'],
  ['none', 'None'],
])
const PRIORITY = new Set(['Low', 'Medium', 'High'])

/** The `SameSite` attribute's values, as written in `Set-Cookie`. */
export type SameSite = 'Strict' | 'Lax' | 'None'
/** `SameSite` as callers pass it: the written form or lower case. Matched case-insensitively. */
export type SameSiteInput = SameSite | Lowercase<SameSite>

/** The written form of a `sameSite` option in any case (`'lax'` → `'Lax'`), or null if none. */
export function sameSiteValue(value: unknown): SameSite | null {
  return typeof value === 'string' ? (SAME_SITE.get(value.toLowerCase()) ?? null) : null
}

/**
 * Builds a `Set-Cookie` header value. Throws `ERR_COOKIE_INVALID` (naming the attribute, never
 * printing the value) for anything a browser could misread: a name outside the RFC token set, a
 * value or attribute with `;`, CR, LF, a control character or another character that could inject
 * an attribute (the CVE-2024-47764 class), an unknown attribute, a broken `__Host-`, `__Secure-`,
 * `__Http-` or `__Host-Http-` prefix rule, `SameSite=None` or `Partitioned` without `Secure`, a
 * lifetime over 400 days, or a name and value over `MAX_COOKIE_BYTES`. The value is written as
 * given: encode it first (base64url, or `encodeURIComponent`) if it is arbitrary text.
 *
 * @param now epoch ms used to check that `expires` is at most 400 days away.
 * @example
 * serializeCookie('__Host-sid', id, { secure: true, httpOnly: true, path: '/', sameSite: 'Lax' })
 * // '__Host-sid=…; Path=/; Secure; HttpOnly; SameSite=Lax'
 */
export function serializeCookie(
  name: string,
  value: string,
  attributes: CookieAttributes = {},
  now: number = Date.now(),
): string {
  checkName(name)
  checkValue(name, value)
  return cookieSerializer(name, attributes, now)(value)
}

/**
 * `serializeCookie` for one name and one set of attributes, checked and written once: the
 * function returned checks and writes only the value. For a cookie set on many responses with the
 * same attributes (the carriers'; internal, not re-exported by `tessera-session/cookie`). Throws `ERR_COOKIE_INVALID` as `serializeCookie` does: here for the name and
 * the attributes, from the returned function for the value and the sizes.
 *
 * @example
 * const sessionCookie = cookieSerializer('__Host-sid', { secure: true, httpOnly: true, path: '/' })
 * res.setHeader('Set-Cookie', sessionCookie(id))
 */
export function cookieSerializer(
  name: string,
  attributes: CookieAttributes = {},
  now: number = Date.now(),
): (value: string) => string {
  checkName(name)
  const suffix = attributeText(name, attributes, now)
  return (value) => {
    checkValue(name, value)
    const out = `${name}=${value}${suffix}`
    if (out.length > MAX_SET_COOKIE_BYTES) {
      refuse(
        `cookie "${name}": Set-Cookie is ${out.length} bytes; the limit is ${MAX_SET_COOKIE_BYTES}`,
      )
    }
    return out
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    refuse("cookie name must be a non-empty RFC 9110 token (letters, digits, !#$%&'*+-.^_`|~)")
  }
}

function checkValue(name: string, value: string): void {
  if (typeof value !== 'string' || !COOKIE_VALUE.test(value)) {
    refuse(
      `cookie "${name}": value must be RFC 6265 cookie-octets (printable ASCII without space, ", comma, ; or \\); encode it first`,
    )
  }
  if (name.length + value.length > MAX_COOKIE_BYTES) {
    refuse(
      `cookie "${name}": name and value are ${name.length + value.length} bytes; the limit is ${MAX_COOKIE_BYTES}`,
    )
  }
}

/** The checked attributes as they follow `name=value` in `Set-Cookie` ("; Path=/; …"). */
function attributeText(name: string, attributes: CookieAttributes, now: number): string {
  checkAttributeNames(name, attributes)
  const a = attributes
  let out = ''
  if (a.path !== undefined) {
    checkAttributeValue(
      name,
      'path',
      a.path,
      PATH,
      'a path starting with "/" without ; or controls',
    )
    out += `; Path=${a.path}`
  }
  if (a.domain !== undefined) {
    checkAttributeValue(name, 'domain', a.domain, DOMAIN, 'a host name such as example.com', 254)
    out += `; Domain=${a.domain}`
  }
  if (a.expires !== undefined) out += `; Expires=${checkExpires(name, a.expires, now)}`
  if (a.maxAge !== undefined) out += `; Max-Age=${checkMaxAge(name, a.maxAge)}`
  if (flag(name, 'secure', a.secure)) out += '; Secure'
  if (flag(name, 'httpOnly', a.httpOnly)) out += '; HttpOnly'
  if (a.sameSite !== undefined) {
    const sameSite = sameSiteValue(a.sameSite)
    if (sameSite === null) refuse(`cookie "${name}": sameSite must be Strict, Lax or None`)
    if (sameSite === 'None' && a.secure !== true) {
      refuse(`cookie "${name}": sameSite None requires secure (RFC 6265bis §5.6.7)`)
    }
    out += `; SameSite=${sameSite}`
  }
  if (flag(name, 'partitioned', a.partitioned)) {
    if (a.secure !== true) refuse(`cookie "${name}": partitioned requires secure (CHIPS)`)
    out += '; Partitioned'
  }
  if (a.priority !== undefined) {
    if (!PRIORITY.has(a.priority)) refuse(`cookie "${name}": priority must be Low, Medium or High`)
    out += `; Priority=${a.priority}`
  }
  checkPrefix(name, a)
  return out
}

function refuse(message: string): never {
  throw new TesseraError('ERR_COOKIE_INVALID', message)
}

function checkAttributeNames(name: string, attributes: CookieAttributes): void {
  if (typeof attributes !== 'object' || attributes === null) {
    refuse(`cookie "${name}": attributes must be an object`)
  }
  // A misspelt `httpOnly` must not silently produce a cookie scripts can read.
  for (const key of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAMES.has(key)) refuse(`cookie "${name}": unknown attribute "${key}"`)
  }
}

function checkAttributeValue(
  name: string,
  attribute: string,
  value: unknown,
  pattern: RegExp,
  expected: string,
  maxBytes: number = MAX_ATTRIBUTE_VALUE_BYTES,
): void {
  if (typeof value !== 'string' || value.length > maxBytes || !pattern.test(value)) {
    refuse(`cookie "${name}": ${attribute} must be ${expected}, at most ${maxBytes} bytes`)
  }
}

function flag(name: string, attribute: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') refuse(`cookie "${name}": ${attribute} must be a boolean`)
  return value
}

function checkMaxAge(name: string, maxAge: unknown): number {
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0) {
    refuse(`cookie "${name}": maxAge must be a whole number of seconds ≥ 0 (0 deletes)`)
  }
  if (maxAge > MAX_COOKIE_AGE_SECONDS) {
    refuse(
      `cookie "${name}": maxAge is ${maxAge} s; browsers cap lifetimes at 400 days (${MAX_COOKIE_AGE_SECONDS} s)`,
    )
  }
  return maxAge
}

function checkExpires(name: string, expires: unknown, now: number): string {
  if (!(expires instanceof Date) || !Number.isFinite(expires.getTime())) {
    refuse(`cookie "${name}": expires must be a valid Date`)
  }
  if (expires.getTime() - now > MAX_COOKIE_AGE_SECONDS * 1000) {
    refuse(`cookie "${name}": expires is more than 400 days away; browsers cap lifetimes there`)
  }
  return expires.toUTCString()
}

// RFC 6265bis §4.1.3: prefixes are matched case-insensitively and a browser drops a prefixed
// cookie that breaks its rule, so refusing here turns a silent loss into an error.
function checkPrefix(name: string, a: CookieAttributes): void {
  if (name.charCodeAt(0) !== 0x5f || name.charCodeAt(1) !== 0x5f) return
  const lower = name.slice(0, 12).toLowerCase()
  const host = lower.startsWith('__host-')
  const http = lower.startsWith('__http-') || lower.startsWith('__host-http-')
  if (!host && !http && !lower.startsWith('__secure-')) return
  if (a.secure !== true) refuse(`cookie "${name}": its prefix requires secure`)
  if (http && a.httpOnly !== true) refuse(`cookie "${name}": its prefix requires httpOnly`)
  if (host && a.path !== '/') refuse(`cookie "${name}": a __Host- cookie requires path "/"`)
  if (host && a.domain !== undefined)
    refuse(`cookie "${name}": a __Host- cookie must not set domain`)
}
