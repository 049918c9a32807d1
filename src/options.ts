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
