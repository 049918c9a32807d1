// Reading and writing a carrier's own cookie: one name, fixed attributes (HttpOnly,
// SameSite=Lax, Path=/, Secure and __Host- when the request is HTTPS), no Domain.
import { cookieIdentity, type CarrierCookieOptions, type CarrierRequest } from './carrier.js'

/**
 * The value of cookie `name` in a `Cookie` header: undefined when absent, null when it appears
 * more than once with different values (IN-5: refused rather than guessed between; the
 * `__Host-` prefix is the real defence against cookie tossing).
 */
export function readCookie(header: string | undefined, name: string): string | null | undefined {
  if (header === undefined) return undefined
  let found: string | undefined
  let start = 0
  while (start < header.length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim()
      if (found !== undefined && found !== value) return null
      found = value
    }
    start = end + 1
  }
  return found
}

/** The `Set-Cookie` value that gives the browser `value` under the carrier's cookie name. */
export function sessionCookie(
  options: CarrierCookieOptions,
  request: CarrierRequest,
  value: string,
): string {
  const { name, secure } = cookieIdentity(options, request)
  const maxAge = options.maxAgeSeconds === undefined ? '' : `; Max-Age=${options.maxAgeSeconds}`
  return `${name}=${value}; Path=/${maxAge}; HttpOnly${secure ? '; Secure' : ''}; SameSite=Lax`
}

/** The `Set-Cookie` value that deletes the carrier's cookie (same name and path, Max-Age=0; LO-3). */
export function clearingCookie(options: CarrierCookieOptions, request: CarrierRequest): string {
  const { name, secure } = cookieIdentity(options, request)
  return `${name}=; Path=/; Max-Age=0; HttpOnly${secure ? '; Secure' : ''}; SameSite=Lax`
}
