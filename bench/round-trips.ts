// Round trips per store operation on Redis and PostgreSQL: each operation of the hot path run
// once through a client that counts what it sends (test/helpers/round-trips.ts), after a warm-up
// that runs each once (so migrations, prepared statements and script loading are done).
//   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//     npm run build --silent && node dist/bench/round-trips.js
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createClient } from 'redis'
import { createPostgresStore } from '../src/stores/postgres.js'
import { createRedisStore } from '../src/stores/redis.js'
import type { Store } from '../src/stores/store.js'
import {
  countingPool,
  countingRedis,
  storeOperations,
  tripsOf,
  type TripCounter,
} from '../test/helpers/round-trips.js'

const id = () => randomBytes(32).toString('base64url')

async function measure(
  store: Store,
  counter: TripCounter,
): Promise<Map<string, { commands: string[]; roundTrips: number }>> {
  await store.ready?.()
  for (const [, op] of storeOperations(store)) await op() // warm-up
  const out = new Map<string, { commands: string[]; roundTrips: number }>()
  for (const [name, op] of storeOperations(store)) out.set(name, await tripsOf(counter, op))
  return out
}

async function main(): Promise<void> {
  const columns: [string, Map<string, { commands: string[]; roundTrips: number }>][] = []
  const redisUrl = process.env.REDIS_URL
  if (redisUrl !== undefined) {
    const client = createClient({ url: redisUrl })
    await client.connect()
    const counted = countingRedis(client)
    const prefix = `bench-trips-${id().slice(0, 8)}:`
    try {
      columns.push([
        'Redis',
        await measure(createRedisStore({ client: counted.client, prefix }), counted.counter),
      ])
    } finally {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) {
        if (keys.length > 0) await client.del(keys)
      }
      client.destroy()
    }
  }
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
    const schema = `bench_trips_${randomBytes(4).toString('hex')}`
    const counted = countingPool(pool)
    try {
      await pool.query(`CREATE SCHEMA "${schema}"`)
      const store = createPostgresStore({ pool: counted.pool, schema, sweepIntervalSeconds: 0 })
      columns.push(['PostgreSQL', await measure(store, counted.counter)])
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    }
  }
  if (columns.length === 0) throw new Error('set REDIS_URL and/or DATABASE_URL')
  console.log(
    `| operation | ${columns.map(([name]) => `${name}: round trips (commands)`).join(' | ')} |`,
  )
  console.log(`| --- | ${columns.map(() => '---:').join(' | ')} |`)
  for (const name of columns[0]![1].keys()) {
    const cells = columns.map(([, m]) => {
      const t = m.get(name)!
      return `${t.roundTrips} (${t.commands.join(', ')})`
    })
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
}

await main()
