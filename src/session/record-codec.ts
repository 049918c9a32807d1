// How the client-held carriers (cookie, token) write a session record into what the browser
// holds, and read it back. The record's key (`idHash`, 256 random bits) travels with it; the
// deadlines travel with it too (TO-5), so they are checked on the server, whatever the cookie's
// Max-Age says. Metadata (ip, user agent) stays on the server.
import { withLifetime, type SessionRecord } from '../stores/store.js'

/** Format version of the sealed cookie state: its first element. */
const COOKIE_STATE_VERSION = 1

/**
 * The record's counters, epoch ms: version, created, authenticated, last seen, deadline; then,
 * only when login chose one, the lifetime (`maxAgeSeconds`: seconds, or null for a
 * browser-session cookie). Without a choice the array keeps its original five elements, so what
 * older versions wrote and read is unchanged.
 */
export function recordCounters(record: SessionRecord): (number | null)[] {
  const counters = [
    record.version,
    record.createdAt,
    record.authenticatedAt,
    record.lastSeenAt,
    record.expiresAt,
  ]
  if (record.maxAgeSeconds !== undefined) counters.push(record.maxAgeSeconds)
  return counters
}

/**
 * A record from its parts as read back from the client, or null when any part has the wrong
 * shape. The parts were authenticated already; this guards against a format change.
 */
export function recordFromParts(
  idHash: unknown,
  userId: unknown,
  data: unknown,
  counters: unknown,
): SessionRecord | null {
  if (typeof idHash !== 'string' || (userId !== null && typeof userId !== 'string')) return null
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null
  if (!Array.isArray(counters) || (counters.length !== 5 && counters.length !== 6)) return null
  // Read by index: destructuring an array goes through its iterator (this runs per request).
  const c = counters as unknown[]
  const version = c[0]
  const createdAt = c[1]
  const authenticatedAt = c[2]
  const lastSeenAt = c[3]
  const expiresAt = c[4]
  const maxAgeSeconds = c[5]
  if (
    !isCount(version) ||
    !isCount(createdAt) ||
    (authenticatedAt !== null && !isCount(authenticatedAt)) ||
    !isCount(lastSeenAt) ||
    !isCount(expiresAt) ||
    (counters.length === 6 &&
      maxAgeSeconds !== null &&
      !(isCount(maxAgeSeconds) && maxAgeSeconds > 0))
  ) {
    return null
  }
  const record = {
    idHash,
    userId,
    data: data as Record<string, unknown>,
    version,
    createdAt,
    authenticatedAt,
    lastSeenAt,
    expiresAt,
    meta: {},
  }
  return withLifetime(record, counters.length === 6 ? (maxAgeSeconds as number | null) : undefined)
}

/** The JSON text the cookie carrier seals: a positional array, to keep cookies small. */
export function encodeCookieState(record: SessionRecord): string {
  return JSON.stringify([
    COOKIE_STATE_VERSION,
    record.idHash,
    record.userId,
    record.data,
    recordCounters(record),
  ])
}

/** Reads what `encodeCookieState` wrote; null for anything else. */
export function decodeCookieState(text: string): SessionRecord | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  if (!Array.isArray(parsed) || parsed.length !== 5 || parsed[0] !== COOKIE_STATE_VERSION) {
    return null
  }
  return recordFromParts(parsed[1], parsed[2], parsed[3], parsed[4])
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
