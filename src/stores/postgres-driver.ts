// The few shapes of the `pg` 8 driver the PostgreSQL store uses, declared here so tessera does
// not need `pg`, and so the store's helpers (postgres-query.ts, postgres-tokens.ts) need not
// import the public entry. tessera-session/stores/postgres re-exports them as types.

/** What a query returns, as much of `pg`'s QueryResult as the store reads. */
export interface PostgresResult {
  readonly rows: Record<string, unknown>[]
  readonly rowCount: number | null
}

/** The query method of a `pg` Pool or PoolClient. */
export interface PostgresQueryable {
  query(config: {
    text: string
    values?: unknown[]
    query_timeout?: number
    /** A prepared statement's name: parsed and planned once per connection. */
    name?: string
  }): Promise<PostgresResult>
}

/** The few methods of a `pg` 8 Pool the store calls; declared so tessera does not need `pg`. */
export interface PostgresPoolLike extends PostgresQueryable {
  connect(): Promise<PostgresQueryable & { release(err?: Error | boolean): void }>
}
