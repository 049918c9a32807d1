// Checks of what the browser holds, made with the app's own keys and store exactly as each
// carrier makes them, for the inspect page and `tessera inspect`: the library's session inspector
// does the cryptography, so nothing here repeats a carrier's key derivation.
import {
  createSessionInspector,
  isTesseraError,
  sessionIdHash,
  type SessionInspector,
  type Store,
} from 'tessera-session'
import type { SessionKey } from './config.js'

function inspectorOf(keys: readonly SessionKey[]): SessionInspector {
  return createSessionInspector(keys.map(({ id, key }) => ({ id, key })))
}

/** The outcome of a check: whether it is genuine (and live), and a sentence saying so. */
export interface Verdict {
  readonly genuine: boolean
  readonly detail: string
  /** What opening it revealed (claims, sealed state), when it could be opened. */
  readonly content?: unknown
}

/** Verifies a JWT as the token carrier does: HS256 under keys derived from the session keys. */
export function verifyAccessToken(token: string, keys: readonly SessionKey[]): Verdict {
  try {
    const { payload } = inspectorOf(keys).verifyAccessToken(token)
    return {
      genuine: true,
      detail: 'its signature verifies with the configured key',
      content: payload,
    }
  } catch (err) {
    if (isTesseraError(err, 'ERR_JWT_EXPIRED')) {
      return { genuine: false, detail: 'its signature is genuine, but it has expired' }
    }
    return { genuine: false, detail: 'its signature does not match the configured keys' }
  }
}

/** Opens a cookie-carrier seal (bound to the cookie's base name) with the configured keys. */
export function openSealedCookie(
  value: string,
  keys: readonly SessionKey[],
  name = 'tessera',
): Verdict {
  const opened = inspectorOf(keys).openSealedCookie(value, name)
  if (opened === null) {
    return {
      genuine: false,
      detail: 'it does not open with the configured keys: edited, truncated, or sealed elsewhere',
    }
  }
  let content: unknown = opened.value
  try {
    content = JSON.parse(opened.value)
  } catch {
    // Shown as text.
  }
  const expired = opened.expiresAt <= Date.now()
  return {
    genuine: !expired,
    detail: expired
      ? 'it opens with the configured key, but its sealed deadline has passed'
      : `it opens with key ${opened.keyId}: AES-256-GCM authenticated it`,
    content,
  }
}

/** Looks a server-carrier session id up in the store. */
export async function findSession(id: string, store: Store): Promise<Verdict> {
  const record = await store.sessions.get(sessionIdHash(id))
  if (record === null) {
    return {
      genuine: false,
      detail: 'the store has no live session for it (unknown, ended or expired)',
    }
  }
  const who = record.userId === null ? 'an anonymous visitor' : `user ${record.userId}`
  return {
    genuine: true,
    detail:
      `it is a live session of ${who}, created ${new Date(record.createdAt).toISOString()}, ` +
      `expiring ${new Date(record.expiresAt).toISOString()}`,
  }
}

/** The handle the session manager shows on "your sessions" for a record's id hash. */
export function sessionHandleFunction(keys: readonly SessionKey[]): (idHash: string) => string {
  return inspectorOf(keys).handleOf
}

/** A copy of `value` with one character changed, as an attacker editing a cookie would. */
export function tamperWith(value: string): string {
  // Change a character in the middle (the last one may carry only padding bits).
  const i = Math.floor(value.length / 2)
  const c = value[i] === 'A' ? 'B' : 'A'
  return value.slice(0, i) + c + value.slice(i + 1)
}
