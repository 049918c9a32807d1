// The PostgreSQL store against its floor, without HTTP: C workers in one process, each with its
// own session, each running the server carrier's request (load, then a compare-and-set write
// that bumps a counter) in a closed loop. Reported per variant, median over rounds that alternate
// the variants (A B C, C B A, …): operations per second, and CPU per operation of this process
// and of the variant's own PostgreSQL backends (found by application_name; bench/proc-cpu.ts),
// which the load on a shared machine moves far less than throughput. Not counted: PostgreSQL's
// shared background processes (WAL writer, checkpointer), which no variant owns.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run build --silent && \
//     node dist/bench/postgres-floor.js [--variants store,floor,floor-wide] [--rounds 6]
//                                       [--seconds 2] [--connections 10] [--before <module>]
// Variants: store — createPostgresStore's get and replace; floor — bench/http-app.ts's floor (a
// three-column table, a SELECT and a compare-and-set UPDATE); floor-wide — the floor's two
// statements on the store's own table and indexes (every column read and written), so
// store − floor-wide is what the store's code costs and floor-wide − floor what its table does.
// --before names another build's dist/src/stores/postgres.js (a checkout of an earlier commit,
// built): its store joins as the variant `before`, on its own table, for an A/B in one run.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createPostgresStore } from '../src/stores/postgres.js'
import { cpuMicros } from './proc-cpu.js'
import * as loop from './store-loop.js'

const args = loop.loopOptions()
const { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS } = args
const url = process.env.DATABASE_URL
if (url === undefined) throw new Error('set DATABASE_URL')

type Request = (i: number) => Promise<void>
interface Variant {
  readonly name: string
  readonly pool: pg.Pool
  readonly request: Request
  readonly close: () => Promise<void>
  readonly ops: number[]
  readonly nodeCpu: number[]
  readonly pgCpu: number[]
}

const schema = `bench_floor_${randomBytes(4).toString('hex')}`
const admin = new pg.Pool({ connectionString: url, max: 1 })
await admin.query(`CREATE SCHEMA "${schema}"`)
const tag = randomBytes(4).toString('hex')
// Each variant's connections stay open (no idle timeout), named so their backends can be found.
const newPool = (name: string) =>
  new pg.Pool({
    connectionString: url,
    max: 10,
    idleTimeoutMillis: 0,
    application_name: `bench-floor-${tag}-${name}`,
  })
const idHash = () => randomBytes(32).toString('base64url')
async function storeVariant(
  name = 'store',
  create = createPostgresStore,
  table?: string,
): Promise<Variant> {
  const pool = newPool(name)
  const store = create({ pool, schema, sweepIntervalSeconds: 0, ...(table ? { table } : {}) })
  const ids = Array.from({ length: CONNECTIONS }, idHash)
  for (const id of ids) await store.sessions.create(loop.counterRecord(id, Date.now()))
  return variant(name, pool, (i) => loop.bumpCounter(store.sessions, ids[i]!))
}

async function floorVariant(): Promise<Variant> {
  const pool = newPool('floor')
  const table = `"${schema}".floor`
  await pool.query(
    `CREATE TABLE ${table} (id text PRIMARY KEY, data text NOT NULL, version integer NOT NULL)`,
  )
  const ids = Array.from({ length: CONNECTIONS }, idHash)
  for (const id of ids) {
    await pool.query(`INSERT INTO ${table} VALUES ($1, $2, 1)`, [id, '{"count":0}'])
  }
  const select = { name: 'bf-select', text: `SELECT data, version FROM ${table} WHERE id = $1` }
  const update = {
    name: 'bf-update',
    text: `UPDATE ${table} SET data = $2, version = version + 1 WHERE id = $1 AND version = $3`,
  }
  return variant('floor', pool, async (i) => {
    const { rows } = await pool.query({ ...select, values: [ids[i]] })
    const row = rows[0] as { data: string; version: number }
    const data = JSON.parse(row.data) as { count: number }
    const next = JSON.stringify({ ...data, count: data.count + 1 })
    const written = await pool.query({ ...update, values: [ids[i], next, row.version] })
    if (written.rowCount !== 1) throw new Error('conflict')
  })
}

async function floorWideVariant(): Promise<Variant> {
  // The store's table (made by the store variant's migration), its statements' single-row forms.
  const pool = newPool('floor-wide')
  const store = createPostgresStore({ pool, schema, sweepIntervalSeconds: 0 })
  const ids = Array.from({ length: CONNECTIONS }, idHash)
  for (const id of ids) await store.sessions.create(loop.counterRecord(id, Date.now()))
  const table = `"${schema}".tessera_sessions`
  const columns =
    'id_hash, user_id, data, version, created_at, authenticated_at, last_seen_at, expires_at, meta, max_age_seconds'
  const select = {
    name: 'bfw-select',
    text: `SELECT ${columns} FROM ${table} WHERE id_hash = $1 AND expires_at > $2`,
  }
  const update = {
    name: 'bfw-update',
    text: `UPDATE ${table} SET user_id = $2, data = $3, version = $4, created_at = $5,
             authenticated_at = $6, last_seen_at = $7, expires_at = $8, meta = $9,
             max_age_seconds = $10
           WHERE id_hash = $1 AND version = $11 AND expires_at > $12`,
  }
  return variant('floor-wide', pool, async (i) => {
    const { rows } = await pool.query({ ...select, values: [ids[i], Date.now()] })
    const row = rows[0] as Record<string, string | null>
    const data = JSON.parse(row.data!) as { count: number }
    const version = Number(row.version)
    const now = Date.now()
    const written = await pool.query({
      ...update,
      values: [
        ids[i],
        row.user_id,
        JSON.stringify({ ...data, count: data.count + 1 }),
        version + 1,
        row.created_at,
        row.authenticated_at,
        now,
        now + loop.IDLE_MS,
        row.meta,
        row.max_age_seconds,
        version,
        now,
      ],
    })
    if (written.rowCount !== 1) throw new Error('conflict')
  })
}

function variant(name: string, pool: pg.Pool, request: Request): Variant {
  return { name, pool, request, close: () => pool.end(), ops: [], nodeCpu: [], pgCpu: [] }
}

/** Runs the closed loop for `seconds`; returns operations done and the CPU spent (µs). */
async function run(
  v: Variant,
  seconds: number,
): Promise<{ ops: number; node: number; pg: number }> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [`bench-floor-${tag}-${v.name}`],
  )
  const pids = rows.map((r) => r.pid)
  const backends = () => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0)
  const cpu0 = process.cpuUsage()
  const pg0 = backends()
  const ops = await loop.closedLoop(CONNECTIONS, seconds, v.request)
  const cpu = process.cpuUsage(cpu0)
  return { ops, node: cpu.user + cpu.system, pg: backends() - pg0 }
}

const makers: Record<string, () => Promise<Variant>> = {
  store: storeVariant,
  floor: floorVariant,
  'floor-wide': floorWideVariant,
  before: async () =>
    storeVariant(
      'before',
      await loop.beforeExport<typeof createPostgresStore>(args.before, 'createPostgresStore'),
      'before',
    ),
}
const variants: Variant[] = []
try {
  // The store variant migrates the schema, which floor-wide then uses: made first.
  const names = (
    args.variants ?? `store,floor,floor-wide${args.before === undefined ? '' : ',before'}`
  ).split(',')
  for (const name of ['store', ...names.filter((n) => n !== 'store')]) {
    const make = makers[name]
    if (make === undefined) throw new Error(`unknown variant ${name}`)
    const v = await make()
    if (name === 'store' && !names.includes('store')) await v.close()
    else variants.push(v)
  }
  // The warm-up opens the connections, prepares the statements and warms the JIT.
  await loop.alternate(variants, ROUNDS, SECONDS, run, (v, m) => {
    v.ops.push(m.ops / SECONDS)
    v.nodeCpu.push(m.node / m.ops)
    v.pgCpu.push(m.pg / m.ops)
  })
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} workers; medians (ranges)\n` +
      '| variant | requests/s | node CPU µs/request | postgres CPU µs/request | total CPU µs/request |\n' +
      '| --- | ---: | ---: | ---: | ---: |',
  )
  for (const v of variants) {
    const total = v.nodeCpu.map((n, i) => n + v.pgCpu[i]!)
    console.log(
      `| ${v.name} | ${loop.medianAndRange(v.ops)} | ${loop.medianAndRange(v.nodeCpu)} | ` +
        `${loop.medianAndRange(v.pgCpu)} | ${loop.medianAndRange(total)} |`,
    )
  }
} finally {
  for (const v of variants) await v.close()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await admin.end()
}
