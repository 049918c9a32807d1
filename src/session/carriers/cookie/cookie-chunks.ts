import { MAX_COOKIE_BYTES } from '../../../cookie/codec.js'
import { TesseraError } from '../../../errors.js'
import { integerOption } from '../../../options.js'

/** Default bound on the number of cookies one value is split across. */
export const DEFAULT_MAX_CHUNKS = 3
/**
 * Hard ceiling on `maxChunks`: Node answers 431 to a request whose headers pass 16 KiB, so more
 * than a few full-size cookies would lock the user out instead of carrying their session.
 */
export const MAX_CHUNKS_LIMIT = 8

/** One cookie to write: a name and a value (attributes are the caller's). */
export interface CookieChunk {
  readonly name: string
  readonly value: string
}

/** How values are split: both already validated by `checkChunkOptions`. */
export interface ChunkOptions {
  /** Bound on the count of cookies; 1 means chunking is off. */
  readonly maxChunks: number
  /** Bound on name plus value of each cookie, in bytes. Default 4096. */
  readonly maxCookieBytes?: number
}

/** The name of chunk `index` of the cookie `name`: `name.0`, `name.1`, ... */
export function chunkName(name: string, index: number): string {
  return `${name}.${index}`
}

/** Throws `ERR_CONFIG_INVALID` unless `maxChunks` is an integer from 1 (chunking off) to `MAX_CHUNKS_LIMIT`. */
export function checkChunkOptions(maxChunks: number): void {
  integerOption({ maxChunks }, 'maxChunks', DEFAULT_MAX_CHUNKS, { min: 1, max: MAX_CHUNKS_LIMIT })
}

/**
 * Splits an ASCII cookie value (a sealed value is base64url) into cookies that each stay within
 * `maxCookieBytes` for name plus value. A value that fits is one cookie named `name`; a longer one
 * becomes `name.0` … `name.N-1`. Throws `ERR_COOKIE_INVALID` when it needs more than `maxChunks`
 * cookies, so the state is refused instead of being silently dropped by the browser.
 *
 * @example
 * splitCookieValue('__Host-s', sealed, { maxChunks: 3 }) // [{ name: '__Host-s.0', value }, …]
 */
export function splitCookieValue(
  name: string,
  value: string,
  options: ChunkOptions,
): CookieChunk[] {
  const maxCookieBytes = options.maxCookieBytes ?? MAX_COOKIE_BYTES
  if (!/^[\x21-\x7e]*$/.test(value)) {
    throw new TesseraError('ERR_COOKIE_INVALID', `cookie "${name}": only ASCII values are split`)
  }
  if (name.length + value.length <= maxCookieBytes) return [{ name, value }]
  // Every chunk name has the same length as the longest one would at most.
  const room = maxCookieBytes - chunkName(name, options.maxChunks - 1).length
  const count = room > 0 ? Math.ceil(value.length / room) : Infinity
  if (options.maxChunks === 1 || count > options.maxChunks) {
    throw new TesseraError(
      'ERR_COOKIE_INVALID',
      options.maxChunks === 1
        ? `cookie "${name}" would be ${name.length + value.length} bytes, over the ${maxCookieBytes}-byte limit, and chunking is off; store less in the session or raise maxChunks`
        : `cookie "${name}" would need ${count} cookies of ${maxCookieBytes} bytes, more than maxChunks (${options.maxChunks}); store less in the session`,
    )
  }
  const chunks: CookieChunk[] = []
  for (let i = 0; i < count; i++) {
    chunks.push({ name: chunkName(name, i), value: value.slice(i * room, (i + 1) * room) })
  }
  return chunks
}

/**
 * A parsed `Cookie` header: one value per name (`parseCookie`) or every value of each name
 * (`parseCookieAll`), which lets duplicates be seen and refused.
 */
export type CookieValues = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Reads back what `splitCookieValue` wrote: the single cookie `name` if present, else chunks
 * `name.0`, `name.1`, … joined until the first missing index. Returns null when there is none,
 * when more than `maxChunks` chunks are present (a hostile request), or when the single cookie or
 * a chunk appears twice with different values (IN-5: a cookie tossed from a sibling subdomain is
 * refused rather than guessed between; pass `parseCookieAll`'s record to detect it). A missing or
 * foreign chunk is not detected here: the joined value then fails to unseal, which the caller
 * treats as no session.
 */
export function joinCookieChunks(
  cookies: CookieValues,
  name: string,
  maxChunks: number,
): string | null {
  const single = oneValue(cookies[name])
  if (single !== undefined) return single
  const parts: string[] = []
  for (let i = 0; i <= maxChunks; i++) {
    const part = oneValue(cookies[chunkName(name, i)])
    if (part === null) return null
    if (part === undefined) break
    parts.push(part)
  }
  if (parts.length === 0 || parts.length > maxChunks) return null
  return parts.join('')
}

/** The value of one name: undefined when absent, null when it came twice and disagrees. */
function oneValue(values: string | readonly string[] | undefined): string | null | undefined {
  if (values === undefined || typeof values === 'string') return values
  const first = values[0]
  return values.every((v) => v === first) ? first : null
}

/**
 * The names of the cookies of `name` (single and chunks) present in a request, bounded by
 * `MAX_CHUNKS_LIMIT`: the ones to clear when a response writes fewer of them, or none.
 */
export function presentChunkNames(cookies: CookieValues, name: string): string[] {
  const names: string[] = []
  if (cookies[name] !== undefined) names.push(name)
  for (let i = 0; i <= MAX_CHUNKS_LIMIT; i++) {
    if (cookies[chunkName(name, i)] !== undefined) names.push(chunkName(name, i))
  }
  return names
}
