// The lifetime a login chooses (`login(userId, { persistent, maxAgeSeconds })`): checked here,
// once per call, and turned into `SessionRecord.maxAgeSeconds`, which every later write of the
// session keeps (docs/carriers.md, "Remember me").
import { TesseraError } from '../errors.js'
import { invalidOption, rejectUnknown } from '../options.js'
import type { SessionRecord } from '../stores/store.js'

/** What bounds a login's lifetime, from the manager's options. */
export interface LifetimeLimits {
  /** `touchIntervalSeconds`: a cookie is renewed at most this often, so a lifetime must exceed it. */
  readonly touchSeconds: number
  /** What `persistent: true` means: `cookieMaxAgeSeconds`, or else `absoluteTimeoutSeconds`. */
  readonly persistentSeconds: number
}

const LOGIN_OPTIONS = new Set(['data', 'keepData', 'persistent', 'maxAgeSeconds'])

/**
 * Checks the options of a `login` call and returns the lifetime its session keeps: a number of
 * seconds for a "remember me" session, null for a browser-session cookie, undefined for the
 * manager's defaults. Throws `ERR_CONFIG_INVALID` naming the option: an unknown key, a
 * `persistent` that is not a boolean, a `maxAgeSeconds` that is not a whole number of seconds
 * above `touchIntervalSeconds`, or both options at once.
 *
 * @example
 * loginLifetime({ maxAgeSeconds: 30 * 86400 }, limits) // 2592000
 * loginLifetime({ persistent: false }, limits)         // null
 */
export function loginLifetime(
  options: unknown,
  limits: LifetimeLimits,
): SessionRecord['maxAgeSeconds'] {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalidOption('login(userId, options): options', 'an object', options)
  }
  const given = options as Record<string, unknown>
  rejectUnknown(given, LOGIN_OPTIONS, 'login(userId, options)', {
    maxAge: 'the option is "maxAgeSeconds", in seconds',
  })
  const { persistent, maxAgeSeconds } = given
  if (persistent !== undefined && maxAgeSeconds !== undefined) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      'login(userId, options): persistent and maxAgeSeconds cannot be given together ' +
        '(maxAgeSeconds alone makes the cookie persistent; persistent: false makes it a browser-session cookie)',
    )
  }
  if (maxAgeSeconds !== undefined) {
    if (
      typeof maxAgeSeconds !== 'number' ||
      !Number.isSafeInteger(maxAgeSeconds) ||
      maxAgeSeconds <= limits.touchSeconds
    ) {
      invalidOption(
        'login(userId, options): maxAgeSeconds',
        `a whole number of seconds above touchIntervalSeconds (${limits.touchSeconds})`,
        maxAgeSeconds,
      )
    }
    return maxAgeSeconds
  }
  if (persistent === undefined) return undefined
  if (typeof persistent !== 'boolean') {
    invalidOption('login(userId, options): persistent', 'true or false', persistent)
  }
  return persistent ? limits.persistentSeconds : null
}
