import fc from 'fast-check'

/** One edit to a string: what an attacker (or a truncating proxy) can do to a cookie value. */
export type Mutation =
  | { kind: 'flip'; at: number; to: string }
  | { kind: 'nudge'; at: number; xor: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; keep: number }

/** Spells the same bytes with a non-zero unused bit in the last character of a base64url text
 * whose length is 2 or 3 mod 4 (a 43-character MAC, for instance). */
export function nonCanonicalBase64url(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(text.slice(-1))
  return text.slice(0, -1) + (alphabet[last ^ 1] ?? '')
}

/** Applies `mutation` to `text`, with positions taken modulo the length. */
export function applyMutation(text: string, mutation: Mutation): string {
  const len = text.length
  switch (mutation.kind) {
    case 'flip': {
      const at = mutation.at % len
      return text.slice(0, at) + mutation.to + text.slice(at + 1)
    }
    case 'nudge': {
      // Changes the low bits of one character: what a non-canonical base64url spelling looks like.
      const at = mutation.at % len
      const changed = String.fromCharCode(text.charCodeAt(at) ^ mutation.xor)
      return text.slice(0, at) + changed + text.slice(at + 1)
    }
    case 'insert': {
      const at = mutation.at % (len + 1)
      return text.slice(0, at) + mutation.text + text.slice(at)
    }
    case 'delete': {
      const at = mutation.at % len
      return text.slice(0, at) + text.slice(at + mutation.count)
    }
    case 'truncate':
      return text.slice(0, mutation.keep % len)
  }
}

const anyChar = fc.oneof(
  fc.constantFrom('.', '-', '_', 'A', 'a', '0', '=', '+', '/', '%', ' '),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
)

/** Arbitrary mutations: flip, nudge, insert or delete characters, or truncate. */
export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('nudge' as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: anyChar }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: anyChar, minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
)
