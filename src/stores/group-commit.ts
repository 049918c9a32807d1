// Group commit for a synchronous database driver: writes issued in the same turn of the event
// loop run in ONE transaction, and each write's promise settles only after that transaction
// committed (or failed). One fsync-bound commit then serves many requests.
import { TesseraError } from '../errors.js'

/** The three statements a batch needs. Each throws when the driver fails. */
export interface TransactionDriver {
  begin(): void
  commit(): void
  rollback(): void
}

/** Queues writes and commits them together. */
export interface GroupCommit {
  /** Runs `write` inside the next batch's transaction; resolves with its result after the commit. */
  run<T>(write: () => T): Promise<T>
  /** Commits what is queued now, synchronously (used before closing). */
  flush(): void
  /** Commits what is queued, then refuses further writes with ERR_STORE_UNAVAILABLE. */
  close(): void
}

interface Pending {
  write: () => unknown
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

/**
 * Creates a group-commit queue over `driver`. `name` goes into error messages ("sqlite write
 * failed"). A failed transaction is rolled back and rejects every write in it with
 * ERR_STORE_UNAVAILABLE, the driver's error kept as `cause`.
 */
export function createGroupCommit(driver: TransactionDriver, name: string): GroupCommit {
  let queue: Pending[] = []
  let scheduled = false
  let closed = false

  const flush = (): void => {
    scheduled = false
    const batch = queue
    queue = []
    if (batch.length === 0) return
    const results: unknown[] = new Array(batch.length)
    try {
      driver.begin()
      for (let i = 0; i < batch.length; i++) results[i] = batch[i]!.write()
      driver.commit()
    } catch (cause) {
      try {
        driver.rollback()
      } catch {
        // The transaction may already be gone (SQLite rolls back on some errors by itself).
      }
      const error = new TesseraError('ERR_STORE_UNAVAILABLE', `${name} write failed`, { cause })
      for (const pending of batch) pending.reject(error)
      return
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i])
  }

  return {
    run<T>(write: () => T): Promise<T> {
      if (closed) {
        return Promise.reject(new TesseraError('ERR_STORE_UNAVAILABLE', `${name} store is closed`))
      }
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
        if (!scheduled) {
          scheduled = true
          // setImmediate runs after the I/O callbacks of this loop turn: every request parsed in
          // the same turn joins the batch.
          setImmediate(flush)
        }
      })
    },
    flush,
    close() {
      flush()
      closed = true
    },
  }
}
