// The checks of the options every public factory takes, one helper per shape, so that every
// check accepts the same things and says the same thing the same way. Each helper reads
// `options[name]` (absent, undefined or null: the default), checks it once at startup and throws
// `ERR_CONFIG_INVALID` with a message that names the option, the expected shape and what was
// found: a number is quoted, anything else only by its type (a string may be a secret).
import { TesseraError } from './errors.js'

/** The longest a Node.js timer can wait, in seconds (2^31 − 1 ms). */
export const MAX_TIMER_SECONDS = 2_147_483

/** An options object as a factory receives it; `name` is one of its keys. */
type OptionName<Options extends object> = keyof Options & string

/** Bounds of a numeric option, inclusive. */
export interface NumberRange {
  readonly min: number
  readonly max: number
}

/**
 * What was found, for a message: a number or a boolean as itself, anything else by its type only,
 * so that a secret passed in the wrong place never reaches a log.
 *
 * @example
 * describeValue(0) // '0'
 * describeValue('hunter2') // 'a string'
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return type === 'object' ? 'an object' : `a${/^[aeiou]/.test(type) ? 'n' : ''} ${type}`
}

/**
 * Throws `ERR_CONFIG_INVALID`: "`name` must be `expected`, got `what was found`".
 *
 * @example
 * invalidOption('accept', "'cookie', 'bearer' or 'both'", options.accept)
 */
export function invalidOption(name: string, expected: string, found: unknown): never {
  throw new TesseraError(
    'ERR_CONFIG_INVALID',
    `${name} must be ${expected}, got ${describeValue(found)}`,
  )
}

function read<Options extends object>(options: Options, name: OptionName<Options>): unknown {
  return (options as Record<string, unknown>)[name]
}

/**
 * An integer option from `min` to `max`, or `fallback` when absent.
 *
 * @example
 * const lifetime = integerOption(options, 'accessTokenSeconds', 600, { min: 60, max: 3600 })
 */
export function integerOption<Options extends object>(
  options: Options,
  name: OptionName<Options>,
  fallback: number,
  range: NumberRange,
): number {
  const value = read(options, name) ?? fallback
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < range.min ||
    value > range.max
  ) {
    invalidOption(name, `an integer from ${range.min} to ${range.max}`, value)
  }
  return value
}

/**
 * A positive integer option (at most `max`, default `Number.MAX_SAFE_INTEGER`), or `fallback`.
 *
 * @example
 * const idle = positiveInteger(options, 'idleTimeoutSeconds', 1800)
 */
export function positiveInteger<Options extends object>(
  options: Options,
  name: OptionName<Options>,
  fallback: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value = read(options, name) ?? fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    const upTo = max === Number.MAX_SAFE_INTEGER ? '' : ` up to ${max}`
    invalidOption(name, `a positive integer${upTo}`, value)
  }
  return value
}

/**
 * The period of a background timer, in whole seconds: `0` turns the timer off (the helper
 * returns 0), otherwise 1 to `MAX_TIMER_SECONDS`. Every sweep interval means the same.
 *
 * @example
 * const every = intervalSeconds(options, 'sweepIntervalSeconds', 60)
 * const timer = every === 0 ? undefined : setInterval(sweep, every * 1000).unref()
 */
export function intervalSeconds<Options extends object>(
  options: Options,
  name: OptionName<Options>,
  fallback: number,
): number {
  return integerOption(options, name, fallback, { min: 0, max: MAX_TIMER_SECONDS })
}

/**
 * A number above 0 and at most `max` (fractions allowed), or `fallback`.
 *
 * @example
 * const timeout = positiveNumber(options, 'storeTimeoutSeconds', 1, 60)
 */
export function positiveNumber<Options extends object>(
  options: Options,
  name: OptionName<Options>,
  fallback: number,
  max: number,
): number {
  const value = read(options, name) ?? fallback
  if (typeof value !== 'number' || !(value > 0 && value <= max)) {
    invalidOption(name, `a number above 0 and at most ${max}`, value)
  }
  return value
}

/**
 * One of a few allowed values (compared with `===`), or `fallback`.
 *
 * @example
 * const accept = oneOf(options, 'accept', 'both', ['cookie', 'bearer', 'both'] as const)
 */
export function oneOf<Options extends object, const Allowed extends string | boolean>(
  options: Options,
  name: OptionName<Options>,
  fallback: Allowed,
  allowed: readonly Allowed[],
): Allowed {
  const value = read(options, name) ?? fallback
  if (!allowed.includes(value as Allowed)) {
    const shown = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a)))
    invalidOption(name, `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`, value)
  }
  return value as Allowed
}

/**
 * A string option, or `fallback`: 1 to `maxLength` characters (default 256), and when `pattern`
 * is given, matching it (`shape` says what it means, for the message).
 *
 * @example
 * const prefix = stringOption(options, 'prefix', 'tessera_', { pattern: /^\w+$/, shape: 'letters, digits, underscores' })
 */
export function stringOption<Options extends object>(
  options: Options,
  name: OptionName<Options>,
  fallback: string,
  rule: { readonly maxLength?: number; readonly pattern?: RegExp; readonly shape?: string } = {},
): string {
  const value = read(options, name) ?? fallback
  const maxLength = rule.maxLength ?? 256
  const shape = rule.shape ?? `a string of 1 to ${maxLength} characters`
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    invalidOption(name, shape, value)
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    invalidOption(name, shape, value)
  }
  return value
}

/**
 * What to use instead of a name another session library (express-session, cookie-session,
 * koa-session) takes: the options a user who comes from one of them writes first. Each entry is
 * the rest of the sentence "unknown option "<name>" …".
 */
const FOREIGN_NAMES: Readonly<Record<string, string>> = {
  secret:
    "(express-session's name): tessera takes keys: [{ id, key }] (32 random bytes or more each; see docs/keys.md)",
  name: "(express-session's name): use cookieName",
  resave: "(express-session's name): not needed; tessera writes a session only when it changed",
  saveUninitialized:
    "(express-session's name): not needed; tessera never stores a visitor who wrote nothing",
  rolling:
    "(express-session's name): sessions always roll; use idleTimeoutSeconds, written at most every touchIntervalSeconds",
  genid: "(express-session's name): not needed; tessera makes every id from 256 random bits",
  unset: "(express-session's name): not needed; delete a key of req.session.data, or logout()",
  proxy:
    "(express-session's name): use the framework's trust proxy (Express app.set('trust proxy', 1), Koa app.proxy, Fastify trustProxy, Hono and web trustProxy)",
  maxAge:
    "(cookie-session's name): use idleTimeoutSeconds, or cookieMaxAgeSeconds for a persistent cookie",
  signed: "(cookie-session's name): not needed; tessera signs or seals every cookie",
}

/** express-session's `cookie: { … }` fields, and the flat option that does each one's job. */
const COOKIE_FIELDS: Readonly<Record<string, string>> = {
  maxAge: 'idleTimeoutSeconds (or cookieMaxAgeSeconds for a persistent cookie)',
  expires: 'cookieMaxAgeSeconds',
  secure: 'secure',
  sameSite: 'cookieSameSite',
  domain: 'cookieDomain',
  path: 'cookiePath',
  partitioned: 'cookiePartitioned',
  httpOnly: 'nothing (HttpOnly is always on)',
  name: 'cookieName',
}

/**
 * Refuses a key of `options` that is not in `known` (`ERR_CONFIG_INVALID`), naming it, where it
 * was passed and what to write instead: `hints[name]` when given, express-session's names mapped
 * to tessera's, or the closest known name. Only names are shown, never a value. A known key set
 * to `undefined` is fine; so is an option object that is not a plain object (the callers check it).
 *
 * @example
 * rejectUnknown(options, ['maxEntries', 'sweepIntervalSeconds', 'clock'], 'createMemoryStore()')
 * // createMemoryStore(): unknown option "maxEntry"; did you mean "maxEntries"?
 */
export function rejectUnknown(
  options: object,
  known: ReadonlySet<string> | readonly string[],
  where: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  if (typeof options !== 'object' || options === null) return
  const has = (name: string) =>
    Array.isArray(known) ? known.includes(name) : (known as ReadonlySet<string>).has(name)
  for (const name in options) {
    if (has(name)) continue
    throw new TesseraError('ERR_CONFIG_INVALID', unknownMessage(options, name, known, where, hints))
  }
}

function unknownMessage(
  options: object,
  name: string,
  known: ReadonlySet<string> | readonly string[],
  where: string,
  hints: Readonly<Record<string, string>>,
): string {
  const head = (shown: string) => `${where}: unknown option ${shown}`
  const named = head(`"${name}"`)
  if (Object.hasOwn(hints, name)) return `${named}: ${hints[name]}`
  if (name === 'cookie') return `${named}${cookieHint((options as Record<string, unknown>).cookie)}`
  if (Object.hasOwn(FOREIGN_NAMES, name)) return `${named} ${FOREIGN_NAMES[name]}`
  // The `cookie` package's attribute names (domain, path, sameSite, partitioned) are flat options
  // with a `cookie` prefix here.
  const prefixed = `cookie${name.charAt(0).toUpperCase()}${name.slice(1)}`
  if (name.length > 0 && [...known].includes(prefixed)) {
    return `${named}; the cookie's attributes are flat options here: "${prefixed}"`
  }
  const near = closest(name, [...known])
  if (near !== null) return `${named}; did you mean "${near}"?`
  // A name that is near no option is shown only when short and shaped like one: a secret pasted
  // as a key (`{ [process.env.KEY]: … }`) must not reach a log.
  const shown = /^[A-Za-z_$][\w$]{0,11}$/.test(name)
    ? named
    : head(`(a name of ${name.length} characters)`)
  return `${shown}; the options are ${[...known].join(', ')}`
}

function cookieHint(cookie: unknown): string {
  const fields =
    typeof cookie === 'object' && cookie !== null
      ? Object.keys(cookie).filter((f) => Object.hasOwn(COOKIE_FIELDS, f))
      : []
  const mapped = (fields.length > 0 ? fields : Object.keys(COOKIE_FIELDS))
    .map((f) => `cookie.${f} → ${COOKIE_FIELDS[f]}`)
    .join(', ')
  return ` (express-session's name): tessera's cookie options are flat: ${mapped}`
}

/**
 * The known name closest to `name`: one it starts (`idleTimeout` → `idleTimeoutSeconds`), or one
 * within a few edits (case ignored), or null.
 */
function closest(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase()
  let best: string | null = null
  let bestScore = Infinity
  for (const candidate of known) {
    const c = candidate.toLowerCase()
    const score = lower.length >= 4 && c.startsWith(lower) ? 0.5 : editDistance(lower, c)
    if (score < bestScore) [best, bestScore] = [candidate, score]
  }
  return bestScore <= Math.max(2, Math.ceil(name.length * 0.4)) ? best : null
}

/** Levenshtein distance (insertions, deletions, substitutions), bounded inputs only. */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      )
    }
    row = next
  }
  return row[b.length] as number
}
