import { serializeCookie, type SameSite } from '../cookie/codec.js'
import type { CarrierCookieOptions } from './carrier.js'

/** How one auth cookie of a carrier is written for one response. */
export interface AuthCookieOptions {
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

/** The attributes of a carrier's cookie for one response, `secure` from `cookieIdentity`. */
export function carrierCookieAttributes(
  options: CarrierCookieOptions,
  secure: boolean,
): AuthCookieOptions {
  return {
    secure,
    sameSite: options.sameSite,
    maxAgeSeconds: options.maxAgeSeconds,
    domain: options.domain,
    path: options.path,
    partitioned: options.partitioned,
  }
}

/**
 * A `Set-Cookie` value for an auth cookie: always `HttpOnly`, `Path=/` and no `Domain` unless
 * the application set them (CK-1, CK-4), `SameSite` explicit (CK-2). Throws
 * `ERR_COOKIE_INVALID` past 4096 bytes (CK-7).
 */
export function authCookie(
  name: string,
  value: string,
  options: AuthCookieOptions,
  now?: number,
): string {
  return serializeCookie(
    name,
    value,
    { ...attributes(options), maxAge: options.maxAgeSeconds },
    now,
  )
}

function attributes(options: AuthCookieOptions) {
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
export function clearAuthCookie(name: string, options: AuthCookieOptions): string {
  return serializeCookie(name, '', { ...attributes(options), maxAge: 0 })
}
