// What bench/postgres-floor.ts and bench/redis-floor.ts share: the session each worker of their
// closed loop starts with, the server carrier's counter request on a store (load, then a
// compare-and-set write that bumps the counter and rolls the expiry), and their summaries.
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { SessionRecord, SessionStore } from '../src/stores/store.js'

/** The command line both take: --variants, --rounds, --seconds, --connections, --before. */
export function loopOptions() {
  const { values } = parseArgs({
    options: {
      variants: { type: 'string' },
      rounds: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      before: { type: 'string' },
    },
  })
  return {
    variants: values.variants,
    before: values.before,
    rounds: Math.min(50, Number(values.rounds)),
    seconds: Math.min(30, Number(values.seconds)),
    connections: Math.min(100, Number(values.connections)),
  }
}

/**
 * The export `name` of the module `--before` names (another build's store, for the variant
 * `before`).
 */
export async function beforeExport<T>(module: string | undefined, name: string): Promise<T> {
  if (module === undefined) throw new Error('the before variant needs --before <module>')
  return ((await import(path.resolve(module))) as Record<string, unknown>)[name] as T
}

/**
 * `workers` loops, each running `request(i)` again as soon as it answered, for `seconds`; the
 * number of requests answered.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  request: (i: number) => Promise<void>,
): Promise<number> {
  const until = Date.now() + seconds * 1000
  let ops = 0
  await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      while (Date.now() < until) {
        await request(i)
        ops++
      }
    }),
  )
  return ops
}

/** The idle lifetime the closed loops roll forward on each write. */
export const IDLE_MS = 30 * 60_000

/** A signed-in session with a counter at 0, seen at `now`. */
export function counterRecord(idHash: string, now: number): SessionRecord {
  return {
    idHash,
    userId: 'alice',
    data: { username: 'alice', count: 0 },
    version: 1,
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + IDLE_MS,
    meta: {},
  }
}

/** One counter request on `sessions`: `get`, then a compare-and-set `replace` of count + 1. */
export async function bumpCounter(sessions: SessionStore, idHash: string): Promise<void> {
  const found = await sessions.get(idHash)
  if (found === null) throw new Error('session lost')
  const now = Date.now()
  const next: SessionRecord = {
    ...found,
    data: { ...found.data, count: (found.data.count as number) + 1 },
    version: found.version + 1,
    lastSeenAt: now,
    expiresAt: now + IDLE_MS,
  }
  if (!(await sessions.replace(next, found.version))) throw new Error('conflict')
}

/**
 * A warm-up of 1 s for each variant (measured, not recorded), then `rounds` rounds that
 * alternate them (A B C, C B A, …), each variant measured for `seconds` and recorded.
 */
export async function alternate<V, M>(
  variants: readonly V[],
  rounds: number,
  seconds: number,
  measure: (v: V, seconds: number) => Promise<M>,
  record: (v: V, m: M) => void,
): Promise<void> {
  for (const v of variants) await measure(v, 1)
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      record(v, await measure(v, seconds))
    }
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** `median (min–max)`, with `digits` decimals. */
export function medianAndRange(xs: readonly number[], digits = 0): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`
}
