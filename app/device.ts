// The device cookie: after a successful sign-in the browser gets a signed, long-lived cookie
// naming the account and a random device id. Presented again, it marks the attempt as coming
// from a device that signed in before, which the throttle judges separately (BF-2).
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/** The device cookie's name; not a session cookie, so it never authenticates anything. */
export const DEVICE_COOKIE = 'tessera_device'
/** 180 days. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60

/** Issues and checks device cookies with a key derived for this one purpose. */
export interface DeviceCookies {
  issue(username: string): string
  /** The device id when the cookie is genuine and was issued for this username, else null. */
  deviceIdFor(cookieValue: string | undefined, username: string): string | null
}

/** Device cookies signed with HMAC-SHA256 under a key derived from the session key (KM-6). */
export function createDeviceCookies(sessionKey: Buffer): DeviceCookies {
  const key = Buffer.from(hkdfSync('sha256', sessionKey, '', 'tessera-app device cookie v1', 32))
  const mac = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest()
  return {
    issue(username) {
      const payload = `${randomBytes(16).toString('base64url')}.${Buffer.from(username).toString('base64url')}`
      return `${payload}.${mac(payload).toString('base64url')}`
    },
    deviceIdFor(value, username) {
      if (value === undefined || value.length > 512) return null
      const [deviceId, name, tag, extra] = value.split('.')
      if (
        deviceId === undefined ||
        name === undefined ||
        tag === undefined ||
        extra !== undefined
      ) {
        return null
      }
      const expected = mac(`${deviceId}.${name}`)
      const given = Buffer.from(tag, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
      return Buffer.from(name, 'base64url').toString() === username ? deviceId : null
    },
  }
}
