import { serializeCookie } from '../cookie/codec.js'

/** How one auth cookie of a carrier is written for one response. */
export interface AuthCookieOptions {
  /** Secure, and the name carries `__Host-` (decided from the request by `cookieIdentity`). */
  readonly secure: boolean
  /** Default `Lax`; the token carrier's refresh cookie is `Strict` (RT-7). */
  readonly sameSite?: 'Lax' | 'Strict'
  /** Undefined: a browser-session cookie (CK-6). Otherwise `Max-Age` in seconds. */
  readonly maxAgeSeconds?: number | undefined
}

/**
 * A `Set-Cookie` value for an auth cookie: always `HttpOnly` and `Path=/`, never `Domain`
 * (CK-1, CK-4), `SameSite` explicit (CK-2). Throws `ERR_COOKIE_INVALID` past 4096 bytes (CK-7).
 */
export function authCookie(
  name: string,
  value: string,
  options: AuthCookieOptions,
  now: number,
): string {
  return serializeCookie(
    name,
    value,
    {
      path: '/',
      httpOnly: true,
      secure: options.secure,
      sameSite: options.sameSite ?? 'Lax',
      maxAge: options.maxAgeSeconds,
    },
    now,
  )
}

/** A `Set-Cookie` value that deletes the auth cookie `name` (same name, path and flags; LO-3). */
export function clearAuthCookie(name: string, options: AuthCookieOptions): string {
  return serializeCookie(name, '', {
    path: '/',
    httpOnly: true,
    secure: options.secure,
    sameSite: options.sameSite ?? 'Lax',
    maxAge: 0,
  })
}
