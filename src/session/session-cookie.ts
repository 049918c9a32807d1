// Reading and writing a carrier's own cookie: one name, the attributes of CarrierCookieOptions
// (HttpOnly; by default SameSite=Lax, Path=/, no Domain; Secure and __Host- when the request is
// HTTPS). Serialising goes through the cookie codec, never by hand (CK-8).
import { parseCookieAll } from '../cookie/codec.js'
import { authCookie, carrierCookieAttributes, clearAuthCookie } from './auth-cookie.js'
import { cookieIdentity, type CarrierCookieOptions, type CarrierRequest } from './carrier.js'

/**
 * The value of cookie `name` in a `Cookie` header: undefined when absent, null when it appears
 * more than once with different values (IN-5: refused rather than guessed between; the
 * `__Host-` prefix is the real defence against cookie tossing).
 */
export function readCookie(header: string | undefined, name: string): string | null | undefined {
  if (header === undefined) return undefined
  const values = parseCookieAll(header)[name]
  if (values === undefined) return undefined
  const first = values[0] as string
  return values.every((v) => v === first) ? first : null
}

/** The `Set-Cookie` value that gives the browser `value` under the carrier's cookie name. */
export function sessionCookie(
  options: CarrierCookieOptions,
  request: CarrierRequest,
  value: string,
): string {
  const { name, secure } = cookieIdentity(options, request)
  return authCookie(name, value, carrierCookieAttributes(options, secure))
}

/** The `Set-Cookie` value that deletes the carrier's cookie (same name and path, Max-Age=0; LO-3). */
export function clearingCookie(options: CarrierCookieOptions, request: CarrierRequest): string {
  const { name, secure } = cookieIdentity(options, request)
  return clearAuthCookie(name, carrierCookieAttributes(options, secure))
}
