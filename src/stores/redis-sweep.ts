// deleteExpired for the Redis store. Redis expires keys by itself (PEXPIREAT) and `get` hides a
// record from its expiresAt on, so a sweep at the present instant has nothing to do and returns
// at once: calling it on a timer costs nothing. Only an explicit sweep at a future instant
// (`tessera sweep --at`, the conformance suite) walks the keys, with SCAN on every master.
import { TesseraError } from '../errors.js'

/** One node's SCAN, as `redis` v5 answers it. */
export interface RedisScanner {
  scan(
    cursor: string,
    options: { MATCH: string; COUNT: number },
  ): Promise<{ cursor: string; keys: string[] }>
}

/** A single-node client scans itself; a cluster client scans each master's node client. */
export interface RedisScannable {
  scan?: RedisScanner['scan']
  getMasters?(): unknown[]
  nodeClient?(node: never): Promise<RedisScanner>
}

/** Escapes Redis glob characters so that a prefix matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/**
 * Calls `onKeys` with every batch of keys matching `pattern`, on every master. `bounded` wraps
 * each SCAN call in the store's timeout.
 */
export async function scanAll(
  client: RedisScannable,
  pattern: string,
  bounded: <T>(call: () => Promise<T>) => Promise<T>,
  onKeys: (keys: string[]) => Promise<void>,
): Promise<void> {
  let scanners: RedisScanner[]
  if (typeof client.getMasters === 'function' && typeof client.nodeClient === 'function') {
    const nodeClient = client.nodeClient.bind(client) as (node: unknown) => Promise<RedisScanner>
    scanners = await bounded(() => Promise.all(client.getMasters!().map(nodeClient)))
  } else if (typeof client.scan === 'function') {
    scanners = [client as RedisScanner]
  } else {
    throw new TesseraError('ERR_CONFIG_INVALID', 'the redis client has neither scan nor getMasters')
  }
  for (const scanner of scanners) {
    let cursor = '0'
    // A full SCAN ends when the cursor comes back to 0; the bound only guards against a bug.
    for (let i = 0; i < 10_000_000; i++) {
      const reply = await bounded(() => scanner.scan(cursor, { MATCH: pattern, COUNT: 1000 }))
      if (reply.keys.length > 0) await onKeys(reply.keys)
      cursor = String(reply.cursor)
      if (cursor === '0') break
    }
  }
}
