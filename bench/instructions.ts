// Instructions per request, counted by valgrind's callgrind in the server process: a measure the
// machine's load does not move (CPU time and req/s move by 2× on a shared machine). Each app runs
// under callgrind with collection off; it gets --warmup requests (JIT, caches), then collection is
// switched on (callgrind_control -i on) for --requests requests, one at a time, from browsers that
// follow Set-Cookie. Prints instructions per request and the ratio to bare Express.
//   node dist/bench/instructions.js --row server-memory [--path /read]
//        [--apps tessera-memory,floor-memory,bare] [--warmup 2000] [--requests 500] [--browsers 10]
//        [--keep]   (keeps the callgrind output files for callgrind_annotate)
//        [--threads] (also counts the main thread alone: JavaScript, inline caches, the
//                     scavenger's main-thread part; without V8's background compiler and
//                     concurrent marking, whose share moves with JIT timing between runs)
//        [--single]  (runs the server with V8's --single-threaded: compiling and collecting
//                     happen on the main thread, so the count holds all of a request's work)
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
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
    threads: { type: 'boolean', default: false },
    single: { type: 'boolean', default: false },
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

/** The output files of one run: `file`, or with --threads `file-01`, `file-02`, … (thread 1 first). */
function outputFiles(file: string): string[] {
  if (!args.threads) return [file]
  const base = path.basename(file)
  return readdirSync(path.dirname(file))
    .filter((f) => f.startsWith(`${base}-`))
    .sort()
    .map((f) => path.join(path.dirname(file), f))
}

const results: { app: App; perRequest: number; mainThread: number | null; ok: number }[] = []
let shared: CookieJar[] | undefined
for (const app of apps) {
  const file = path.join(tmpdir(), `tessera-callgrind-${app}-${process.pid}.out`)
  const namespace = await newNamespace(row)
  const server = await start(
    app,
    namespace,
    [
      'valgrind',
      '-q',
      '--tool=callgrind',
      '--instr-atstart=no',
      ...(args.threads ? ['--separate-threads=yes'] : []),
      `--callgrind-out-file=${file}`,
    ],
    args.single ? ['--single-threaded'] : [],
  )
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
    const files = outputFiles(file)
    const counts = files.map(totalInstructions)
    results.push({
      app,
      perRequest: counts.reduce((a, b) => a + b, 0) / REQUESTS,
      mainThread: args.threads ? counts[0]! / REQUESTS : null,
      ok,
    })
  } finally {
    await server.stop()
    await dropNamespace(row, namespace)
    for (const f of outputFiles(file)) {
      if (args.keep) console.error(`callgrind output kept: ${f} (callgrind_annotate it)`)
      else rmSync(f, { force: true })
    }
  }
}

const reference = results.find((r) => r.app === 'bare') ?? results[0]!
console.log(
  `row ${row.id} (${row.method} ${row.path}); ${WARMUP} warm-up requests, then ${REQUESTS} counted, one at a time`,
)
const main = (r: (typeof results)[number]) =>
  r.mainThread === null
    ? ''
    : ` ${Math.round(r.mainThread).toLocaleString('en')} | ${(r.mainThread / reference.mainThread!).toFixed(3)} |`
console.log(
  `| app | instructions per request | × ${reference.app} |${args.threads ? ` main thread | × ${reference.app} |` : ''} answered < 400 |`,
)
console.log(`| --- | ---: | ---: |${args.threads ? ' ---: | ---: |' : ''} ---: |`)
for (const r of results) {
  console.log(
    `| ${r.app} | ${Math.round(r.perRequest).toLocaleString('en')} | ${(r.perRequest / reference.perRequest).toFixed(3)} |${main(r)} ${r.ok}/${REQUESTS} |`,
  )
}
