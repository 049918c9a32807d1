// Internal to tessera: how a store that answers at once (memory; SQLite for reads) lets the
// carriers skip the promise of a call. The public contract stays promise-based (store.ts); a
// store may attach, to one of its promise-returning methods, the same operation as a plain
// function under SYNC. The mark is on the function itself, so a wrapper that replaces the method
// (a test's broken store, an application's instrumented one) has no mark and is awaited as usual.
// A synchronous counterpart throws where the method would reject, and never blocks on I/O.

/** The property of a store method that holds its synchronous counterpart. */
export const SYNC: unique symbol = Symbol('tessera.sync')

/** A store method, possibly marked with its synchronous counterpart. */
type Marked<Args extends unknown[], R> = ((...args: Args) => Promise<R>) & {
  [SYNC]?: (...args: Args) => R
}

/** The synchronous counterpart of `method`, or undefined when it has none. */
export function syncOf<Args extends unknown[], R>(
  method: (...args: Args) => Promise<R>,
): ((...args: Args) => R) | undefined {
  return (method as Marked<Args, R>)[SYNC]
}

/** `async` around `sync`, marked with it: the store method and its synchronous counterpart. */
export function withSync<Args extends unknown[], R>(
  sync: (...args: Args) => R,
): (...args: Args) => Promise<R> {
  const method: Marked<Args, R> = async (...args: Args) => sync(...args)
  method[SYNC] = sync
  return method
}
