// The Redis store against its floor, without HTTP: C workers in one process, each with its own
// session, each running the server carrier's request (load, then a compare-and-set write that
// bumps a counter) in a closed loop. Reported per variant, median over rounds that alternate the
// variants (A B C, C B A, …): operations per second, CPU per operation of this process, of the
// redis-server process (from /proc, by the pid INFO reports; only when Redis runs on this
// machine), and Redis's own accounting of the time its commands took (INFO commandstats, µs per
// call of each command), which the machine's load moves far less. A script's EVALSHA time
// includes the commands it runs, which Redis also counts under their own names.
// Run it against a Redis no one else is using: the server's CPU and its commandstats are the
// whole server's.
//   REDIS_URL=redis://127.0.0.1:6379 npm run build --silent && \
//     node dist/bench/redis-floor.js [--variants store,floor,floor-wide] [--rounds 6]
//                                    [--seconds 2] [--connections 10] [--before <module>]
// Variants: store — createRedisStore's get and replace; floor — bench/http-app.ts's floor (a
// two-field hash, HMGET, and a compare-and-set script by EVALSHA); floor-wide — the store's own
// commands (HMGET of its five fields, its REPLACE_SESSION script by EVALSHA) sent straight from the
// client, so store − floor-wide is what the store's code costs in Node and floor-wide − floor what
// its record and script cost. --before names another build's dist/src/stores/redis.js (a
// checkout of an earlier commit, built): its store joins as the variant `before`, for an A/B in
// one run.
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { createRedisStore } from '../src/stores/redis.js'
import { REPLACE_SESSION } from '../src/stores/redis-scripts.js'
import { FLOOR_REDIS_CAS } from './http-app.js'
import { cpuMicros } from './proc-cpu.js'
import * as loop from './store-loop.js'

const args = loop.loopOptions()
const { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS } = args
const url = process.env.REDIS_URL ?? ''
if (url === '') throw new Error('set REDIS_URL')

type Client = Awaited<ReturnType<typeof connect>>
type Request = (i: number) => Promise<void>
interface Variant {
  readonly name: string
  readonly request: Request
  readonly client: Client
  readonly ops: number[]
  readonly nodeCpu: number[]
  readonly redisCpu: number[]
  /** Summed over the measured rounds, by command. */
  readonly byCommand: Map<string, { calls: number; usec: number }>
}

const prefix = `bench-floor-${randomBytes(4).toString('hex')}:`
const admin = await connect()
const redisPid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1] ?? 0)

async function connect() {
  const client = createClient({ url })
  client.on('error', () => {})
  await client.connect()
  return client
}

const idHash = () => randomBytes(32).toString('base64url')

async function storeVariant(name = 'store', create = createRedisStore): Promise<Variant> {
  const client = await connect()
  const store = create({ client, prefix: `${prefix}${name}:` })
  const ids = Array.from({ length: CONNECTIONS }, idHash)
  for (const id of ids) await store.sessions.create(loop.counterRecord(id, Date.now()))
  return variant(name, client, (i) => loop.bumpCounter(store.sessions, ids[i]!))
}

async function floorVariant(): Promise<Variant> {
  const client = await connect()
  const sha = await client.scriptLoad(FLOOR_REDIS_CAS)
  const keys = Array.from({ length: CONNECTIONS }, () => `${prefix}floor:${idHash()}`)
  for (const key of keys) await client.hSet(key, { v: '1', j: '{"username":"alice","count":0}' })
  return variant('floor', client, async (i) => {
    const [v, j] = (await client.hmGet(keys[i]!, ['v', 'j'])) as [string, string]
    const data = JSON.parse(j) as { count: number }
    const written = await client.evalSha(sha, {
      keys: [keys[i]!],
      arguments: [
        v,
        String(Number(v) + 1),
        JSON.stringify({ ...data, count: data.count + 1 }),
        String(Date.now() + loop.IDLE_MS),
      ],
    })
    if (written !== 1) throw new Error('conflict')
  })
}

async function floorWideVariant(): Promise<Variant> {
  // Records written by the store (so the user's index covers them), read and written by hand.
  const client = await connect()
  const store = createRedisStore({ client, prefix: `${prefix}wide:` })
  const ids = Array.from({ length: CONNECTIONS }, idHash)
  for (const id of ids) await store.sessions.create(loop.counterRecord(id, Date.now()))
  const sha = await client.scriptLoad(REPLACE_SESSION)
  const key = (id: string) => `${prefix}wide:{s:${id}}`
  return variant('floor-wide', client, async (i) => {
    const k = key(ids[i]!)
    const [v, u, , , j] = (await client.hmGet(k, ['v', 'u', 'e', 'l', 'j'])) as string[]
    const rest = JSON.parse(j!) as { data: { count: number } }
    const now = Date.now()
    rest.data = { ...rest.data, count: rest.data.count + 1 }
    const reply = await client.evalSha(sha, {
      keys: [k],
      arguments: [
        v!,
        String(Number(v) + 1),
        u!,
        String(now + loop.IDLE_MS),
        String(now),
        JSON.stringify(rest),
        String(now),
        '',
      ],
    })
    if (reply !== u) throw new Error(`conflict: ${JSON.stringify(reply)}`)
  })
}

function variant(name: string, client: Client, request: Request): Variant {
  return {
    name,
    client,
    request,
    ops: [],
    nodeCpu: [],
    redisCpu: [],
    byCommand: new Map(),
  }
}

/** Redis's own accounting so far (INFO commandstats): calls and microseconds by command. */
async function commandStats(): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>()
  const text = await admin.info('commandstats')
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+),/gm)) {
    stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) })
  }
  return stats
}

/** `after` − `before`, by command (commands with no calls in between left out). */
function statsDelta(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
): Map<string, { calls: number; usec: number }> {
  const delta = new Map<string, { calls: number; usec: number }>()
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0 }
    if (a.calls > b.calls) delta.set(name, { calls: a.calls - b.calls, usec: a.usec - b.usec })
  }
  return delta
}

/** Runs the closed loop for `seconds`; returns operations done and the CPU spent (µs). */
async function run(v: Variant, seconds: number) {
  const stats0 = await commandStats()
  const redis0 = cpuMicros(redisPid)
  const cpu0 = process.cpuUsage()
  const ops = await loop.closedLoop(CONNECTIONS, seconds, v.request)
  const cpu = process.cpuUsage(cpu0)
  const redis = cpuMicros(redisPid) - redis0
  // The INFO call itself is counted once in the next reading: a few µs over thousands of ops.
  const byCommand = statsDelta(stats0, await commandStats())
  byCommand.delete('info')
  return { ops, node: cpu.user + cpu.system, redis, byCommand }
}

const makers: Record<string, () => Promise<Variant>> = {
  store: () => storeVariant(),
  floor: floorVariant,
  'floor-wide': floorWideVariant,
  before: async () =>
    storeVariant(
      'before',
      await loop.beforeExport<typeof createRedisStore>(args.before, 'createRedisStore'),
    ),
}
const variants: Variant[] = []
try {
  const names = (args.variants ?? 'store,floor,floor-wide').split(',')
  if (args.before !== undefined && !names.includes('before')) names.push('before')
  for (const name of names) {
    const make = makers[name]
    if (make === undefined) throw new Error(`unknown variant ${name}`)
    variants.push(await make())
  }
  // The warm-up loads the scripts and warms the JIT.
  await loop.alternate(variants, ROUNDS, SECONDS, run, (v, m) => {
    v.ops.push(m.ops / SECONDS)
    v.nodeCpu.push(m.node / m.ops)
    v.redisCpu.push(m.redis / m.ops)
    for (const [name, c] of m.byCommand) {
      const sum = v.byCommand.get(name) ?? { calls: 0, usec: 0 }
      v.byCommand.set(name, { calls: sum.calls + c.calls, usec: sum.usec + c.usec })
    }
  })
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} workers; medians (ranges)\n` +
      '| variant | requests/s | node CPU µs/request | redis-server CPU µs/request |\n' +
      '| --- | ---: | ---: | ---: |',
  )
  for (const v of variants) {
    console.log(
      `| ${v.name} | ${loop.medianAndRange(v.ops)} | ${loop.medianAndRange(v.nodeCpu)} | ${loop.medianAndRange(v.redisCpu)} |`,
    )
  }
  console.log('\nRedis µs per call, by command, over all measured rounds (INFO commandstats):')
  for (const v of variants) {
    const cells = [...v.byCommand].map(
      ([name, c]) => `${name} ${(c.usec / c.calls).toFixed(2)} (${c.calls} calls)`,
    )
    console.log(`- ${v.name}: ${cells.join(', ')}`)
  }
} finally {
  for (const v of variants) v.client.destroy()
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await admin.unlink(keys)
  }
  admin.destroy()
}
