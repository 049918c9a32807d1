// A clock for tests: time is passed in, never mocked globally.

import type { Clock } from '../clock.js'

export type { Clock } from '../clock.js'

/** A clock that only moves when told to. */
export interface FakeClock extends Clock {
  /** Moves the clock forward by `seconds` (may be fractional). */
  advanceSeconds(seconds: number): void
  /** Moves the clock forward by `ms` milliseconds. */
  advanceMs(ms: number): void
  /** Sets the clock to the epoch-millisecond instant `nowMs`. */
  set(nowMs: number): void
}

/**
 * A clock starting at `startMs` (epoch ms) that moves only when advanced.
 *
 * @example
 * const clock = fakeClock(Date.UTC(2025, 0, 1))
 * clock.advanceSeconds(31 * 60)
 */
export function fakeClock(startMs: number = Date.now()): FakeClock {
  let nowMs = startMs
  return {
    now: () => nowMs,
    advanceSeconds: (seconds) => {
      nowMs += seconds * 1000
    },
    advanceMs: (ms) => {
      nowMs += ms
    },
    set: (next) => {
      nowMs = next
    },
  }
}
