// The writes of one session inside one process, one store write at a time (CO-5): the next starts
// from the record the previous one stored, so concurrent requests of one session do not lose the
// version check to each other and back off. Compare-and-set still guards against other processes.
//
// On the server carrier, the writes that arrived while one was in flight go together: each
// request's change is applied, in arrival order, onto the one before it, and the last record is
// stored with one compare-and-set. Each request is answered with the record its own change made
// (its own increment, as if the writes had gone one by one) once that one write is stored. Ten
// concurrent requests of one session then cost two store writes instead of ten in a row, each of
// which waited for the one before it to commit (with the SQLite store, one group commit each).
import { TesseraError } from '../errors.js'
import type { SessionRecord } from '../stores/store.js'
import type { Carrier, CarrierRequest, CarrierWrite } from './carrier.js'

/** One request's write of a session, as its chain runs it. */
export interface ChainedWrite {
  /** The record the request loaded. */
  readonly loaded: SessionRecord
  readonly request: CarrierRequest
  /** The record after `fresh` holding this request's change; throws what the change threw. */
  next(fresh: SessionRecord): SessionRecord
  /** The session ended while it was being written (the request forgets it). */
  gone(): void
}

/** The per-session chains of one manager. */
export interface WriteChains {
  /** Runs `write` after the writes of the session already in flight here; what it stored. */
  run(idHash: string, write: ChainedWrite): Promise<CarrierWrite>
  /** True while a write of the session is in flight or waiting in this process. */
  has(idHash: string): boolean
}

export interface WriteChainOptions {
  readonly carrier: Carrier
  readonly maxUpdateAttempts: number
  /** Waits a little before retrying after a lost compare-and-set. */
  backoff(attempt: number): Promise<void>
}

interface Waiting {
  readonly write: ChainedWrite
  readonly resolve: (written: CarrierWrite) => void
  readonly reject: (err: unknown) => void
}

interface Chain {
  readonly waiting: Waiting[]
  /** What the chain's last write stored: the freshest record this process knows. */
  latest: SessionRecord | null
}

export function createWriteChains(options: WriteChainOptions): WriteChains {
  const { carrier, maxUpdateAttempts, backoff } = options
  const chains = new Map<string, Chain>()
  // The cookie carrier's state is the cookie each request came with ("the last response wins",
  // see docs/carriers.md): its writes queue but never build on one another.
  const buildsOn = carrier.kind !== 'cookie'
  // Only the server carrier's write gives every request of the session the same answer (the id
  // stays; the cookie, when renewed, is the same for all requests that came the same way): the
  // token carrier signs per write.
  const together = carrier.kind === 'server'

  async function drain(idHash: string, chain: Chain): Promise<void> {
    while (chain.waiting.length > 0) {
      const size = together ? sameCookie(chain.waiting) : 1
      const batch = chain.waiting.splice(0, size)
      let start = buildsOn ? chain.latest : null
      for (const { write } of batch) start = fresher(start, write.loaded)
      chain.latest = (await writeTogether(batch, start!)) ?? chain.latest
    }
    chains.delete(idHash)
  }

  /**
   * The compare-and-set loop of a batch: applies each change onto the one before it, writes the
   * last record, and on a lost version check re-reads and applies them all again (bounded).
   * Settles every request of the batch; never rejects. The record stored, or null.
   */
  async function writeTogether(
    batch: Waiting[],
    start: SessionRecord,
  ): Promise<SessionRecord | null> {
    let live = batch
    let fresh: SessionRecord | null = start
    for (let attempt = 1; fresh !== null; attempt++) {
      const records: SessionRecord[] = []
      const applied: Waiting[] = []
      let record: SessionRecord = fresh
      for (const waiting of live) {
        try {
          record = waiting.write.next(record)
        } catch (err) {
          waiting.reject(err) // a change that throws fails its own request only
          continue
        }
        records.push(record)
        applied.push(waiting)
      }
      live = applied
      if (live.length === 0) return null
      try {
        const last = live[live.length - 1]!
        const written = await carrier.replace(record, fresh.version, last.write.request)
        if (written !== null) {
          for (let i = 0; i < live.length - 1; i++) {
            live[i]!.resolve({ record: records[i]!, setCookies: written.setCookies })
          }
          last.resolve(written)
          return written.record
        }
        if (attempt >= maxUpdateAttempts) {
          throw new TesseraError(
            'ERR_SESSION_CONFLICT',
            `session write lost the version check ${attempt} times; giving up`,
          )
        }
        await backoff(attempt)
        fresh = await carrier.reload(fresh.idHash)
      } catch (err) {
        for (const waiting of live) waiting.reject(err)
        return null
      }
    }
    const ended = new TesseraError(
      'ERR_SESSION_NOT_FOUND',
      'the session ended while it was being written',
    )
    for (const waiting of live) {
      waiting.write.gone()
      waiting.reject(ended)
    }
    return null
  }

  return {
    run(idHash, write) {
      return new Promise<CarrierWrite>((resolve, reject) => {
        const chain = chains.get(idHash)
        if (chain !== undefined) return void chain.waiting.push({ write, resolve, reject })
        const started: Chain = { waiting: [{ write, resolve, reject }], latest: null }
        chains.set(idHash, started)
        void drain(idHash, started)
      })
    },
    has: (idHash) => chains.has(idHash),
  }
}

/**
 * How many of the first waiting writes came the way the first did (HTTPS or not, the same host):
 * these get the same renewed cookie, whose name and `Secure` follow the request (`__Host-`).
 */
function sameCookie(waiting: readonly Waiting[]): number {
  const first = waiting[0]!.write.request
  let n = 1
  while (n < waiting.length) {
    const request = waiting[n]!.write.request
    if (request.secure !== first.secure || request.host !== first.host) break
    n++
  }
  return n
}

/** The later of `known` and `loaded`, by version. */
function fresher(known: SessionRecord | null, loaded: SessionRecord): SessionRecord {
  return known !== null && known.version > loaded.version ? known : loaded
}
