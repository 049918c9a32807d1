const CHAR_VALUE = new Int8Array(128).fill(-1)
for (const [i, c] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
].entries()) {
  CHAR_VALUE[c.charCodeAt(0)] = i
}

/** Encodes bytes as base64url without padding (RFC 4648 §5). */
export function encodeBase64url(bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : asBuffer(bytes)).toString(
    'base64url',
  )
}

/**
 * Decodes canonical base64url: only the URL-safe alphabet, no padding, no whitespace, and unused
 * trailing bits zero, so every byte string has exactly one accepted encoding. Returns null
 * otherwise (Node's own decoder silently skips bad characters).
 */
export function decodeBase64url(text: string): Buffer | null {
  if (typeof text !== 'string') return null
  const length = text.length
  const rest = length % 4
  // Checked with native scans rather than a regular expression (this runs on every cookie):
  // Node's decoder also takes "+" and "/", and reads non-ASCII characters by their low byte,
  // so those are refused first; any other character outside the alphabet it skips or stops at,
  // which leaves fewer bytes than the length implies.
  if (
    rest === 1 ||
    text.indexOf('+') !== -1 ||
    text.indexOf('/') !== -1 ||
    Buffer.byteLength(text, 'utf8') !== length
  ) {
    return null
  }
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.length !== (length * 3) >> 2) return null
  if (rest !== 0) {
    const last = CHAR_VALUE[text.charCodeAt(length - 1)] ?? -1
    // 2 chars carry 12 bits for 1 byte (4 unused), 3 chars carry 18 bits for 2 bytes (2 unused).
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) return null
  }
  return bytes
}

/** A Buffer view over the same memory, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}
