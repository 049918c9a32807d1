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
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * A memo for texts that may or may not repeat, such as the claims of bearer tokens: a token is
 * remembered the second time it is seen, so a stream of distinct tokens pays one array store
 * each and no freezing, while a client's token, sent again on every request, is parsed twice and
 * then never again. Direct-mapped: `slot` (any integer, spread evenly, such as characters of the
 * token's signature) picks the one place a text may live; a newer text takes the place over.
 *
 * `compute` must depend only on the text; its result is returned as is the first time and
 * frozen with `freeze` when remembered, so no caller can change what another one receives.
 */
export function memoRepeated<T>(
  slots: number,
  compute: (text: string) => T,
  freeze: (value: T) => T,
): (text: string, slot: number) => T {
  const mask = slots - 1
  if (slots < 1 || (slots & mask) !== 0) throw new RangeError('slots must be a power of two')
  const texts: (string | undefined)[] = new Array<string | undefined>(slots).fill(undefined)
  const values: (T | undefined)[] = new Array<T | undefined>(slots).fill(undefined)
  return (text, slot) => {
    const i = slot & mask
    if (texts[i] !== text) {
      const value = compute(text)
      texts[i] = text
      values[i] = undefined
      return value
    }
    let value = values[i]
    if (value === undefined) values[i] = value = freeze(compute(text))
    return value
  }
}
