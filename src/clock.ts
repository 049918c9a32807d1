// The one way tessera reads the time: stores, the session manager and the carriers all take a
// `clock` option of this type, so a test can move every one of them with a single fake clock.

/**
 * What tessera reads the time from: `now()` returns epoch milliseconds. `Date` is one (the
 * default everywhere); `fakeClock()` from `tessera-session/testing` is one that moves only when
 * told to.
 *
 * @example
 * const clock: Clock = { now: () => Date.now() }
 * const store = createMemoryStore({ clock })
 */
export interface Clock {
  now(): number
}
