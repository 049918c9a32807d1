// The node-redis client and cluster types as this suite creates them. `ReturnType<typeof
// createClient>` is the generic signature's constraint, which redis 6 no longer accepts for a
// client made with the defaults (RESP3 since 6, RESP2 before); a non-generic call fixes the
// type to whatever the installed major returns, so the tests typecheck against either.
import { createClient, createCluster } from 'redis'

/** The options the tests pass to `createClient`. */
export interface RedisClientOptions {
  readonly url: string
  readonly socket?: { readonly reconnectStrategy?: () => number }
}

/** `createClient(options)` with the library's defaults, typed for the installed major. */
export function createRedisClient(options: RedisClientOptions) {
  return createClient(options)
}

/** A client made by `createRedisClient`. */
export type RedisClient = ReturnType<typeof createRedisClient>

/** `createCluster` over `urls` with the library's defaults, typed for the installed major. */
export function createRedisCluster(urls: readonly string[]) {
  return createCluster({ rootNodes: urls.map((url) => ({ url })) })
}

/** A cluster client made by `createRedisCluster`. */
export type RedisClusterClient = ReturnType<typeof createRedisCluster>
