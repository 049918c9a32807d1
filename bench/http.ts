// npm run bench:http — issue 15's table: tessera and its peers over HTTP, each as a ratio to bare
// Express measured beside it. This machine's speed drifts by 2× over minutes, so only adjacent
// bursts are compared: bare Express and the contender run as two warm servers (child processes,
// bench/http-app.ts), bursts alternate between them (A B, B A, A B, …), and each adjacent pair
// gives one ratio. Reported: the median ratio and the range over the pairs, by requests per
// second and by server CPU per request (for Redis and PostgreSQL with the store server's CPU).
//
//   npm run bench:http -- [--variants server-memory,untouched,...] [--pairs 6] [--seconds 2]
//                         [--warmup 1] [--connections 10] [--no-peers] [--verbose]
//
// Load: autocannon, one instance per signed-in user, each with one connection and one request in
// flight, following Set-Cookie as a browser does (10 users; one shared session for
// server-sqlite-same). The Redis and PostgreSQL rows need REDIS_URL and DATABASE_URL; without
// them they are skipped. Every burst is bounded by --seconds; the whole run by the rows chosen.
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import {
  browsers,
  burst,
  dropNamespace,
  newNamespace,
  ROWS,
  start,
  type Burst,
  type Contender,
  type Row,
  type Server,
} from './http-load.js'

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: ROWS.map((r) => r.id).join(',') },
    pairs: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10' },
    'no-peers': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
})
const PAIRS = bounded('pairs', args.pairs, 1, 50)
const SECONDS = bounded('seconds', args.seconds, 1, 30)
const WARMUP = bounded('warmup', args.warmup, 0, 30)
const CONNECTIONS = bounded('connections', args.connections, 1, 100)

function bounded(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}`)
  }
  return n
}

interface Pair {
  readonly ratio: number
  readonly cpuRatio: number
  readonly bare: Burst
  readonly other: Burst
}

interface Measured {
  readonly label: string
  readonly pairs: readonly Pair[]
  readonly errors: number
}

async function measure(row: Row, bare: Server, contender: Contender): Promise<Measured> {
  const namespace = await newNamespace(row)
  const server = await start(contender.app, namespace)
  try {
    const jars = await browsers(row, server, CONNECTIONS)
    if (WARMUP > 0) {
      await burst(server, row, jars, WARMUP)
      await burst(bare, row, jars, WARMUP)
    }
    const pairs: Pair[] = []
    let errors = 0
    for (let i = 0; i < PAIRS; i++) {
      let b: Burst
      let o: Burst
      if (i % 2 === 0) {
        b = await burst(bare, row, jars, SECONDS)
        o = await burst(server, row, jars, SECONDS)
      } else {
        o = await burst(server, row, jars, SECONDS)
        b = await burst(bare, row, jars, SECONDS)
      }
      errors += o.errors
      pairs.push({
        ratio: o.ok / b.ok,
        cpuRatio: b.cpuPerRequest / o.cpuPerRequest,
        bare: b,
        other: o,
      })
      if (args.verbose) {
        console.error(
          `  ${contender.label} pair ${i + 1}: bare ${Math.round(b.ok / SECONDS)}/s, ${Math.round(o.ok / SECONDS)}/s → ${(o.ok / b.ok).toFixed(2)}; CPU ${Math.round(b.cpuPerRequest)} vs ${Math.round(o.cpuPerRequest)} µs/req; load ${loadavg()[0]!.toFixed(1)}`,
        )
      }
    }
    return { label: contender.label, pairs, errors }
  } finally {
    await server.stop()
    await dropNamespace(row, namespace)
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function summary(m: Measured): { ratio: number; text: string } {
  const ratios = m.pairs.map((p) => p.ratio)
  const ratio = median(ratios)
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`
  const cpu = median(m.pairs.map((p) => p.cpuRatio)).toFixed(2)
  const errors = m.errors > 0 ? `, ${m.errors} errors` : ''
  return { ratio, text: `${ratio.toFixed(2)} (${range}; CPU ${cpu}${errors})` }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')

const chosen = args.variants.split(',').map((id) => {
  const row = ROWS.find((r) => r.id === id.trim())
  if (row === undefined) throw new Error(`unknown variant ${id}; known: ${ROWS.map((r) => r.id)}`)
  return row
})
console.log(
  `node ${process.version}, ${new Date().toISOString()}; ${PAIRS} pairs of ${SECONDS} s bursts ` +
    `(warm-up ${WARMUP} s), ${CONNECTIONS} connections; load average at start ${load()}`,
)
const lines: string[] = []
const bare = await start('bare', 'bench')
try {
  for (const row of chosen) {
    if (row.needs !== undefined && !process.env[row.needs]) {
      lines.push(`| ${row.title} | skipped: ${row.needs} not set | | ${row.goal.toFixed(2)} | |`)
      continue
    }
    const loadBefore = loadavg()[0]!.toFixed(1)
    const tessera = summary(await measure(row, bare, { label: 'tessera', app: row.tessera }))
    const peers: string[] = []
    if (!args['no-peers']) {
      for (const p of row.peers)
        peers.push(`${p.label} ${summary(await measure(row, bare, p)).text}`)
    }
    const met = tessera.ratio >= row.goal ? 'yes' : 'no'
    const line = `| ${row.title} | ${tessera.text} | ${peers.join('; ') || '—'} | ≥ ${row.goal.toFixed(2)} | ${met} (load ${loadBefore}→${loadavg()[0]!.toFixed(1)}) |`
    lines.push(line)
    console.error(line)
  }
} finally {
  await bare.stop()
}
console.log(
  '\n| × bare Express (median of pairs; range; CPU ratio) | tessera | peers, same run | goal | met? |',
)
console.log('| --- | ---: | --- | ---: | --- |')
for (const line of lines) console.log(line)
console.log(`\nload average at end ${load()}`)
