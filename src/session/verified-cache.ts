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
const INDEX_LENGTH = 24

/**
 * Creates a verified-value cache holding at most `maxEntries` strings (at least 2). It keeps two
 * generations of at most half as many each; when the newer is full it becomes the older and the
 * older is dropped whole, so the newest strings are always kept and nothing is ever evicted one
 * entry at a time (a Map emptied from its front makes each "oldest entry" lookup walk the deleted
 * slots, which cost more than the AES-GCM open the cache saves).
 *
 * @example
 * const opened = createVerifiedCache<SessionRecord>()
 * const record = opened.get(sealed) ?? openAndRemember(sealed)
 */
export function createVerifiedCache<Value>(
  maxEntries: number = DEFAULT_VERIFIED_CACHE_ENTRIES,
): VerifiedCache<Value> {
  // Indexed by the string's last characters (a MAC, a GCM tag: they differ between any two
  // genuine strings), so a lookup hashes a few dozen characters instead of a whole token; the
  // whole string is then compared, so only the exact genuine string ever hits.
  type Entry = { readonly key: string; readonly value: Value }
  const generation = Math.max(1, Math.floor(maxEntries / 2))
  let newer = new Map<string, Entry>()
  let older = new Map<string, Entry>()
  return {
    get(key) {
      const index = key.slice(-INDEX_LENGTH)
      const entry = newer.get(index) ?? older.get(index)
      return entry !== undefined && entry.key === key ? entry.value : undefined
    },
    set(key, value) {
      if (key.length > MAX_KEY_LENGTH) return
      if (newer.size >= generation) {
        older = newer
        newer = new Map()
      }
      newer.set(key.slice(-INDEX_LENGTH), { key, value })
    },
  }
}
