// Instructions per request, counted by valgrind's callgrind in the server process: a measure the
// machine's load does not move (CPU time and req/s move by 2× on a shared machine). Each app runs
// under callgrind with collection off; it gets --warmup requests (JIT, caches), then collection is
// switched on (callgrind_control -i on) for --requests requests, one at a time, from browsers that
// follow Set-Cookie. Prints instructions per request and the ratio to bare Express.
//   node dist/bench/instructions.js --row server-memory [--path /read]
//        [--apps tessera-memory,floor-memory,bare] [--warmup 2000] [--requests 500] [--browsers 10]
//        [--keep]   (keeps the callgrind output files for callgrind_annotate)
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { App } from './http-app.js'
import {
  browsers,
  CookieJar,
  dropNamespace,
  newNamespace,
  ROWS,
  start,
  type Row,
  type Server,
} from './http-load.js'

const { values: args } = parseArgs({
  options: {
    row: { type: 'string', default: 'server-memory' },
    path: { type: 'string' },
    apps: { type: 'string' },
    warmup: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '500' },
    browsers: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
})
const chosen = ROWS.find((r) => r.id === args.row)
if (chosen === undefined)
  throw new Error(`unknown row ${args.row}; known: ${ROWS.map((r) => r.id)}`)
const row: Row = { ...chosen, path: args.path ?? chosen.path }
const apps = (args.apps ?? `${row.tessera},bare`).split(',') as App[]
const WARMUP = Math.min(100_000, Number(args.warmup))
const REQUESTS = Math.min(100_000, Number(args.requests))
const BROWSERS = Math.min(100, Number(args.browsers))

/** `count` requests, one at a time, round-robin over the browsers. */
async function drive(server: Server, jars: readonly CookieJar[], count: number): Promise<number> {
  let ok = 0
  for (let i = 0; i < count; i++) {
    const jar = jars[i % jars.length]!
    const headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }
    if (row.sessions !== 'none' && jar.header !== '') headers.cookie = jar.header
    const res = await fetch(`${server.url}${row.path}`, {
      method: row.method,
      headers,
      redirect: 'manual',
    })
    await res.arrayBuffer()
    if (row.sessions !== 'none') jar.take(res.headers.getSetCookie())
    if (res.status < 400) ok++
  }
  return ok
}

function totalInstructions(file: string): number {
  const text = readFileSync(file, 'utf8')
  const match = /^totals:\s+(\d+)/m.exec(text)
  if (match === null) throw new Error(`no totals in ${file}`)
  return Number(match[1])
}

const results: { app: App; perRequest: number; ok: number }[] = []
let shared: CookieJar[] | undefined
for (const app of apps) {
  const file = path.join(tmpdir(), `tessera-callgrind-${app}-${process.pid}.out`)
  const namespace = await newNamespace(row)
  const server = await start(app, namespace, [
    'valgrind',
    '-q',
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${file}`,
  ])
  try {
    // bare Express signs nobody in: it gets the browsers of an app before it, or cookie-less ones.
    const jars =
      app === 'bare'
        ? (shared ?? Array.from({ length: BROWSERS }, () => new CookieJar()))
        : await browsers(row, server, BROWSERS)
    if (app !== 'bare') shared ??= jars
    await drive(server, jars, WARMUP)
    execFileSync('callgrind_control', ['-i', 'on', String(server.child.pid)], { stdio: 'ignore' })
    const ok = await drive(server, jars, REQUESTS)
    execFileSync('callgrind_control', ['-i', 'off', String(server.child.pid)], { stdio: 'ignore' })
    await server.stop()
    results.push({ app, perRequest: totalInstructions(file) / REQUESTS, ok })
  } finally {
    await server.stop()
    await dropNamespace(row, namespace)
    if (args.keep) console.error(`callgrind output kept: ${file} (callgrind_annotate it)`)
    else rmSync(file, { force: true })
  }
}

const reference = results.find((r) => r.app === 'bare') ?? results[0]!
console.log(
  `row ${row.id} (${row.method} ${row.path}); ${WARMUP} warm-up requests, then ${REQUESTS} counted, one at a time`,
)
console.log(`| app | instructions per request | × ${reference.app} | answered < 400 |`)
console.log('| --- | ---: | ---: | ---: |')
for (const r of results) {
  console.log(
    `| ${r.app} | ${Math.round(r.perRequest).toLocaleString('en')} | ${(r.perRequest / reference.perRequest).toFixed(3)} | ${r.ok}/${REQUESTS} |`,
  )
}
