/**
 * A bounded per-process memo of values that passed a cryptographic check, keyed by the exact
 * string that was checked (a sealed cookie, a signed token). A browser sends the same string on
 * every request until it changes, so most requests skip the AES-GCM or HMAC work and the JSON
 * parse. Only genuine strings are ever stored, so a hit needs the genuine string itself; anything
 * that varies with time (a deadline) must still be checked by the caller on every hit.
 */
export interface VerifiedCache<Value> {
  get(key: string): Value | undefined
  set(key: string, value: Value): void
}

/** Default bound on the number of strings remembered. */
export const DEFAULT_VERIFIED_CACHE_ENTRIES = 5000
/** Longer strings are not remembered: keeps the memory bound near entries × 4 KiB. */
const MAX_KEY_LENGTH = 4096

/**
 * Creates a verified-value cache holding at most `maxEntries` strings; when full, the oldest
 * entry is dropped (insertion order).
 *
 * @example
 * const opened = createVerifiedCache<SessionRecord>()
 * const record = opened.get(sealed) ?? openAndRemember(sealed)
 */
export function createVerifiedCache<Value>(
  maxEntries: number = DEFAULT_VERIFIED_CACHE_ENTRIES,
): VerifiedCache<Value> {
  const entries = new Map<string, Value>()
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      if (key.length > MAX_KEY_LENGTH || entries.has(key)) return
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, value)
    },
  }
}
