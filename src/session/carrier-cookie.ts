// A carrier's cookies: reading one from the `Cookie` header, and the `Set-Cookie` values that set
// or delete one, with the attributes of CarrierCookieOptions (HttpOnly; by default SameSite=Lax,
// Path=/, no Domain; Secure and __Host- when the request is HTTPS). Serialising goes through the
// cookie codec, never by hand (CK-8). `setCookie`/`deleteCookie` take a cookie name;
// `setCarrierCookie`/`deleteCarrierCookie` take the carrier's cookie options and the request,
// and decide the name and `Secure` from them.
import {
  cookieSerializer,
  cookieValueOf,
  MAX_COOKIE_AGE_SECONDS,
  serializeCookie,
  type SameSite,
} from '../cookie/codec.js'
import type { SessionRecord } from '../stores/store.js'
import { cookieIdentity, type CarrierCookieOptions, type CarrierRequest } from './carrier.js'

/** How one auth cookie of a carrier is written for one response. */
export interface CookieWriteOptions {
  /** Secure, and the name carries `__Host-` (decided from the request by `cookieIdentity`). */
  readonly secure: boolean
  /** Default `Lax`; the token carrier's refresh cookie is `Strict` (RT-7). */
  readonly sameSite?: SameSite | undefined
  /** Undefined: a browser-session cookie (CK-6). Otherwise `Max-Age` in seconds. */
  readonly maxAgeSeconds?: number | undefined
  /** Undefined (default): host-only. */
  readonly domain?: string | undefined
  /** Default `/`. */
  readonly path?: string | undefined
  /** `Partitioned` (CHIPS). */
  readonly partitioned?: boolean | undefined
}

/** A session as a cookie that carries it at `now` (epoch ms) sees it, for its `Max-Age`. */
export interface CookieLifetime {
  readonly record: Pick<SessionRecord, 'maxAgeSeconds' | 'expiresAt'>
  readonly now: number
}

/**
 * The attributes of a carrier's cookie for one response, `secure` from `cookieIdentity`. With
 * `lifetime`, the cookie's `Max-Age` follows the lifetime its session chose at login
 * (`cookieMaxAge`); without, it is the carrier's default.
 */
export function carrierCookieAttributes(
  options: CarrierCookieOptions,
  secure: boolean,
  lifetime?: CookieLifetime,
): CookieWriteOptions {
  return {
    secure,
    sameSite: options.sameSite,
    maxAgeSeconds:
      lifetime === undefined
        ? options.maxAgeSeconds
        : cookieMaxAge(options, lifetime.record, lifetime.now),
    domain: options.domain,
    path: options.path,
    partitioned: options.partitioned,
  }
}

/**
 * The `Max-Age` of a cookie that carries `record` and is written at `now` (epoch ms): the
 * carrier's default (`cookieMaxAgeSeconds`, or none) when login chose no lifetime; none for a
 * browser-session login (`persistent: false`); otherwise the chosen seconds, but never past the
 * session's deadline (so never past its absolute timeout) nor the 400 days browsers allow.
 *
 * @example
 * cookieMaxAge(cookie, { maxAgeSeconds: 86400, expiresAt: now + 3_600_000 }, now) // 3600
 */
export function cookieMaxAge(
  options: Pick<CarrierCookieOptions, 'maxAgeSeconds'>,
  record: Pick<SessionRecord, 'maxAgeSeconds' | 'expiresAt'>,
  now: number,
): number | undefined {
  const chosen = record.maxAgeSeconds
  if (chosen === undefined) return options.maxAgeSeconds
  if (chosen === null) return undefined
  const left = Math.floor((record.expiresAt - now) / 1000)
  return Math.max(0, Math.min(chosen, left, MAX_COOKIE_AGE_SECONDS))
}

/**
 * A `Set-Cookie` value for an auth cookie: always `HttpOnly`, `Path=/` and no `Domain` unless
 * the application set them (CK-1, CK-4), `SameSite` explicit (CK-2). Throws
 * `ERR_COOKIE_INVALID` past 4096 bytes (CK-7).
 */
export function setCookie(
  name: string,
  value: string,
  options: CookieWriteOptions,
  now?: number,
): string {
  // A carrier sets its cookie on most responses with the same attributes: they are checked and
  // written once per distinct set (a Max-Age counting down to a deadline makes new ones, so the
  // memo is bounded and starts over when full).
  const key = `${name}\n${options.secure}\n${options.sameSite}\n${options.maxAgeSeconds}\n${options.domain}\n${options.path}\n${options.partitioned}`
  let serialize = serializers.get(key)
  if (serialize === undefined) {
    serialize = cookieSerializer(
      name,
      { ...attributes(options), maxAge: options.maxAgeSeconds },
      now,
    )
    if (serializers.size >= MAX_SERIALIZERS) serializers.clear()
    serializers.set(key, serialize)
  }
  return serialize(value)
}

/** The attribute sets `setCookie` has checked, by name and attributes. */
const serializers = new Map<string, (value: string) => string>()
const MAX_SERIALIZERS = 256

function attributes(options: CookieWriteOptions) {
  return {
    path: options.path ?? '/',
    domain: options.domain,
    httpOnly: true,
    secure: options.secure,
    sameSite: options.sameSite ?? 'Lax',
    partitioned: options.partitioned,
  }
}

/** A `Set-Cookie` value that deletes the auth cookie `name` (same name, path, domain and flags; LO-3). */
export function deleteCookie(name: string, options: CookieWriteOptions): string {
  return serializeCookie(name, '', { ...attributes(options), maxAge: 0 })
}

/**
 * The value of cookie `name` in a `Cookie` header: undefined when absent, null when it appears
 * more than once with different values (IN-5: refused rather than guessed between; the
 * `__Host-` prefix is the real defence against cookie tossing).
 */
export function readCookie(header: string | undefined, name: string): string | null | undefined {
  return header === undefined ? undefined : cookieValueOf(header, name)
}

/**
 * The `Set-Cookie` value that gives the browser `value` under the carrier's cookie name; with
 * `lifetime`, its `Max-Age` follows the session's choice at login (`cookieMaxAge`).
 */
export function setCarrierCookie(
  options: CarrierCookieOptions,
  request: CarrierRequest,
  value: string,
  lifetime?: CookieLifetime,
): string {
  const { name, secure } = cookieIdentity(options, request)
  return setCookie(name, value, carrierCookieAttributes(options, secure, lifetime), lifetime?.now)
}

/** The `Set-Cookie` value that deletes the carrier's cookie (same name and path, Max-Age=0; LO-3). */
export function deleteCarrierCookie(
  options: CarrierCookieOptions,
  request: CarrierRequest,
): string {
  const { name, secure } = cookieIdentity(options, request)
  return deleteCookie(name, carrierCookieAttributes(options, secure))
}
