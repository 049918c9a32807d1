/**
 * A bounded memo of a pure function of text: the header and claims of the tokens a service sees
 * repeat (one issuer's header, a client's token on every request until it is refreshed), and
 * parsing each once keeps JSON.parse and its checks off the hot path. `compute` must return a
 * value that depends only on the text and that callers cannot change (a frozen object); when it
 * throws, nothing is remembered. When full, the memo starts over (no per-hit bookkeeping).
 *
 * Memory: at most `maxEntries` texts and values. A text sliced from a token keeps that token
 * alive, so the bound is `maxEntries` times the longest token accepted.
 */
export function memoByText<T>(
  maxEntries: number,
  compute: (text: string) => T,
): (text: string) => T {
  const cache = new Map<string, T>()
  // Most calls repeat the previous text: comparing with it spares hashing the text for the map.
  let lastText: string | null = null
  let lastValue: T | undefined
  return (text) => {
    if (text === lastText) return lastValue as T
    let value = cache.get(text)
    if (value === undefined) {
      value = compute(text)
      if (cache.size >= maxEntries) cache.clear()
      cache.set(text, value)
    }
    lastText = text
    lastValue = value
    return value
  }
}

/** Freezes an object and everything reachable from it (JSON values only: no cycles). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i] as unknown)
    } else {
      // JSON.parse makes plain objects: every enumerable key is an own one.
      for (const key in value) deepFreeze(value[key])
    }
    Object.freeze(value)
  }
  return value
}

/**
 * A direct-mapped memo for texts that may or may not repeat, such as the claims of bearer tokens:
 * `slot` (any integer, spread evenly, such as characters of the token's signature) picks the one
 * place a text may live, and a newer text takes the place over. A value is kept the second time
 * its text is seen: a stream of distinct texts costs one array store each and keeps no value
 * alive (values kept only to be dropped cost the garbage collector more than they save), while a
 * client's token, sent again on every request, is computed twice and then never again.
 *
 * `compute` must depend only on the text and return a value callers cannot change (a frozen
 * object): callers of the same text may receive the same value.
 */
export function memoBySlot<T>(
  slots: number,
  compute: (text: string) => T,
): (text: string, slot: number) => T {
  const mask = slots - 1
  if (slots < 1 || (slots & mask) !== 0) throw new RangeError('slots must be a power of two')
  const texts: (string | undefined)[] = new Array<string | undefined>(slots).fill(undefined)
  const values: (T | undefined)[] = new Array<T | undefined>(slots).fill(undefined)
  return (text, slot) => {
    const i = slot & mask
    if (texts[i] !== text) {
      texts[i] = text
      values[i] = undefined
      return compute(text)
    }
    let value = values[i]
    if (value === undefined) values[i] = value = compute(text)
    return value
  }
}
