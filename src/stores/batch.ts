// Batching of store calls made in the same turn of the event loop (used by the PostgreSQL store).
// Under load, the requests that arrive together all read their session, and a little later all
// write it; sending each as its own query costs a round trip, a statement and a socket write
// each, which dominates the cost of a request. A batch is one query for all of them.

/** Runs one batch: returns one result per item, in the items' order. */
export type BatchRunner<In, Out> = (items: readonly In[]) => Promise<readonly Out[]>

interface Batch<In, Out> {
  readonly items: In[]
  readonly keys: Set<string>
  readonly settle: { resolve: (value: Out) => void; reject: (err: unknown) => void }[]
}

/**
 * Returns a function that queues one item and resolves to its own result once the batch it joined
 * has run. Items queued before the event loop's next check phase (`setImmediate`) run together,
 * at most `maxBatch` to a batch. Two items with the same key never share a batch (a
 * compare-and-set on one record must see the other's outcome), so the second starts another
 * batch. A batch that fails rejects each of its callers with the same error; nothing is retried.
 *
 * @example
 * const get = batched((ids) => selectMany(ids), (id) => id)
 * const [a, b] = await Promise.all([get('x'), get('y')]) // one query
 */
export function batched<In, Out>(
  run: BatchRunner<In, Out>,
  keyOf: (item: In) => string,
  maxBatch: number = 100,
): (item: In) => Promise<Out> {
  let queue: Batch<In, Out>[] = []

  function flush(): void {
    const batches = queue
    queue = []
    for (const batch of batches) {
      run(batch.items).then(
        (results) => {
          for (let i = 0; i < batch.settle.length; i++) batch.settle[i]!.resolve(results[i] as Out)
        },
        (err: unknown) => {
          for (const { reject } of batch.settle) reject(err)
        },
      )
    }
  }

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      const key = keyOf(item)
      let batch = queue.find((b) => b.items.length < maxBatch && !b.keys.has(key))
      if (batch === undefined) {
        if (queue.length === 0) setImmediate(flush)
        batch = { items: [], keys: new Set(), settle: [] }
        queue.push(batch)
      }
      batch.items.push(item)
      batch.keys.add(key)
      batch.settle.push({ resolve, reject })
    })
}
