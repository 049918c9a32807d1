// Where a request's time goes: runs one row of npm run bench:http against several apps under
// V8's CPU profiler, in alternating bursts, and prints each app's server CPU per request (median
// over its bursts) and a summary of its CPU profile (bench/cpu-profile.ts).
//   node dist/bench/profile.js --row server-memory [--apps tessera-memory,floor-memory,bare]
//        [--path /read] [--bursts 5] [--seconds 2] [--connections 10] [--out /tmp/tessera-prof] [--top 25]
// The profiles cover the measured bursts only (not start-up, sign-in or warm-up) and stay in --out.
import { mkdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { App } from './http-app.js'
import { report, summarise } from './cpu-profile.js'
import {
  ask,
  browsers,
  burst,
  dropNamespace,
  newNamespace,
  ROWS,
  start,
  type Server,
} from './http-load.js'

const { values: args } = parseArgs({
  options: {
    row: { type: 'string', default: 'server-memory' },
    path: { type: 'string' },
    apps: { type: 'string' },
    bursts: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    out: { type: 'string', default: '/tmp/tessera-prof' },
    top: { type: 'string', default: '25' },
  },
})
const chosen = ROWS.find((r) => r.id === args.row)
if (chosen === undefined)
  throw new Error(`unknown row ${args.row}; known: ${ROWS.map((r) => r.id)}`)
// --path /read profiles the read-only page of a row that updates, with the same browsers.
const row = { ...chosen, path: args.path ?? chosen.path }
const apps = (args.apps ?? `${row.tessera},bare`).split(',') as App[]
const BURSTS = Math.min(50, Number(args.bursts))
const SECONDS = Math.min(30, Number(args.seconds))
const CONNECTIONS = Math.min(100, Number(args.connections))

interface Target {
  readonly app: App
  readonly file: string
  readonly server: Server
  readonly namespace: string
  readonly perRequest: number[]
}

mkdirSync(args.out, { recursive: true })
const targets: Target[] = []
try {
  for (const app of apps) {
    const file = path.join(args.out, `${row.id}-${app}-${Date.now()}.cpuprofile`)
    const namespace = await newNamespace(row)
    const server = await start(app, namespace)
    targets.push({ app, file, server, namespace, perRequest: [] })
  }
  const jars = new Map<Target, Awaited<ReturnType<typeof browsers>>>()
  for (const t of targets) {
    // bare Express signs nobody in: it gets the first app's browsers.
    const first = jars.get(targets[0]!)
    jars.set(t, t.app === 'bare' && first ? first : await browsers(row, t.server, CONNECTIONS))
  }
  // Warm-up: JIT, caches.
  for (const t of targets) await burst(t.server, row, jars.get(t)!, 1)
  for (const t of targets) await ask(t.server, { profile: 'start' })
  for (let i = 0; i < BURSTS; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse()
    for (const t of order) {
      const b = await burst(t.server, row, jars.get(t)!, SECONDS)
      t.perRequest.push(b.cpuPerRequest)
    }
  }
  for (const t of targets) await ask(t.server, { profile: 'stop', file: t.file })
} finally {
  for (const t of targets) {
    await t.server.stop()
    await dropNamespace(row, t.namespace)
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!
console.log(`row ${row.id} (${row.method} ${row.path}); load average ${loadavg()[0]!.toFixed(1)}`)
console.log('| app | server CPU µs/request (median of bursts) | range |')
console.log('| --- | ---: | ---: |')
for (const t of targets) {
  const v = t.perRequest
  console.log(
    `| ${t.app} | ${median(v).toFixed(0)} | ${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} |`,
  )
}
for (const t of targets) {
  console.log(`\n### ${t.app} (${t.file})\n`)
  const profile = JSON.parse(readFileSync(t.file, 'utf8')) as Parameters<typeof summarise>[0]
  console.log(report(summarise(profile), Number(args.top)))
}
