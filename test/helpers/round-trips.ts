// Counts what a store sends to its server: every command (Redis) or query (PostgreSQL), and the
// round trips they take. A round trip starts when a command is sent while none is in flight:
// commands sent together (pipelined on one connection, or awaited together) share one; a command
// sent after the previous one answered takes another. A behaviour, not a timing: the counts are
// the same on any machine.
import { refreshTokenRecord, sessionRecord } from '../../src/testing/fixtures.js'
import type { Store } from '../../src/stores/store.js'

/** What a counting wrapper has seen since it was created or last reset. */
export interface TripCounter {
  /** Commands or queries sent, by name (`evalsha`, `eval`, `hmget`, …, or `query`). */
  readonly commands: string[]
  readonly roundTrips: number
  reset(): void
}

class Counter implements TripCounter {
  commands: string[] = []
  roundTrips = 0
  #inFlight = 0
  reset(): void {
    this.commands = []
    this.roundTrips = 0
  }
  track<T>(name: string, promise: Promise<T>): Promise<T> {
    if (this.#inFlight === 0) this.roundTrips++
    this.#inFlight++
    this.commands.push(name)
    return promise.finally(() => this.#inFlight--)
  }
}

// The client methods that are commands of the redis client (the rest are left as they are).
const REDIS_COMMANDS = new Set(['eval', 'evalSha', 'hmGet', 'scriptLoad', 'get', 'set', 'scan'])

/**
 * `client` (a node-redis client) with every command counted, including those sent through
 * `withCommandOptions` (which the store uses to bound its commands).
 */
export function countingRedis<C extends object>(client: C): { client: C; counter: TripCounter } {
  const counter = new Counter()
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, property, receiver) {
        const value: unknown = Reflect.get(t, property, receiver)
        if (typeof value !== 'function') return value
        const name = String(property)
        if (name === 'withCommandOptions') {
          return (...args: unknown[]) => wrap((value as (...a: unknown[]) => object).apply(t, args))
        }
        if (!REDIS_COMMANDS.has(name)) return value.bind(t)
        return (...args: unknown[]) =>
          counter.track(
            name.toLowerCase(),
            (value as (...a: unknown[]) => Promise<unknown>).apply(t, args),
          )
      },
    })
  return { client: wrap(client), counter }
}

/** A `pg` Pool-like with every `query` counted (checkouts for migrations are not queries). */
export function countingPool<P extends { query(...args: never[]): Promise<unknown> }>(
  pool: P,
): { pool: P; counter: TripCounter } {
  const counter = new Counter()
  const counted = new Proxy(pool, {
    get(t, property, receiver) {
      const value: unknown = Reflect.get(t, property, receiver)
      if (typeof value !== 'function') return value
      if (property !== 'query') return value.bind(t)
      return (...args: unknown[]) =>
        counter.track('query', (value as (...a: unknown[]) => Promise<unknown>).apply(t, args))
    },
  })
  return { pool: counted, counter }
}

/** Runs `op` and returns how many commands and round trips it took. */
export async function tripsOf(
  counter: TripCounter,
  op: () => Promise<unknown>,
): Promise<{ commands: string[]; roundTrips: number }> {
  counter.reset()
  await op()
  return { commands: [...counter.commands], roundTrips: counter.roundTrips }
}

/**
 * Each store operation of a request's path, as a request makes it, on fresh records:
 * [name, the call], to run in order (each after the one before).
 */
export function storeOperations(store: Store): [string, () => Promise<unknown>][] {
  const anonymous = sessionRecord({ userId: null, authenticatedAt: null })
  const user = sessionRecord({ userId: `u-${anonymous.idHash.slice(0, 8)}` })
  const token = refreshTokenRecord({ familyId: user.idHash, userId: user.userId ?? '' })
  return [
    ['sessions.create (visitor)', () => store.sessions.create(anonymous)],
    ['sessions.create (signed in)', () => store.sessions.create(user)],
    ['sessions.get', () => store.sessions.get(user.idHash)],
    ['sessions.replace', () => store.sessions.replace({ ...user, version: 2 }, 1)],
    ['sessions.touch', () => store.sessions.touch(user.idHash, Date.now(), user.expiresAt + 1000)],
    ['refreshTokens.insert', () => store.refreshTokens.insert(token)],
    ['refreshTokens.use', () => store.refreshTokens.use(token.idHash, Date.now())],
    ['sessions.delete (signed in)', () => store.sessions.delete(user.idHash)],
  ]
}
