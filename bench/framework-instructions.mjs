// `node bench/framework-instructions.mjs <framework> [variants] [warmup] [requests]`: instructions
// per request, counted by valgrind's callgrind, of one server of `npm run bench:frameworks`
// (bench/framework-server.mjs) serving GET /profile with a visit counter to 10 signed-in users, one
// request at a time. The machine's load does not move this count (req/s moves by 2× here), so it
// compares tessera with the framework's floor and bare server between runs. Prints all threads
// and the main thread (JavaScript, inline caches, the scavenger's main-thread part).
// SINGLE=1 runs the server with V8's --single-threaded: compilation and garbage collection then
// happen on the main thread too, so the count holds all of a request's work, and repeats within
// about 1 % (with background threads, the compiler's share moves with JIT timing between runs).
// Build first (`npm run build`).
//   SINGLE=1 node bench/framework-instructions.mjs hono tessera,floor,bare 10000 1000
// Under valgrind, V8 is still compiling after a few thousand requests: counts after 4,000 warm-up
// requests run 7–30 % above those after 10,000 (the default), the more so for the larger app.
//   KEEP=1 keeps the callgrind files for `callgrind_annotate --inclusive=no`.
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { signIn, startServer } from './framework-client.mjs'

const [framework = 'hono', variantList = 'tessera,floor,bare', warmupArg, requestsArg] =
  process.argv.slice(2)
const WARMUP = Math.min(100_000, Number(warmupArg ?? 10_000))
const REQUESTS = Math.min(100_000, Number(requestsArg ?? 1000))
const USERS = 10

/** `count` GET /profile requests, one at a time, round-robin over the users' cookies. */
async function drive(url, cookies, count) {
  let ok = 0
  for (let i = 0; i < count; i++) {
    const headers = { 'sec-fetch-site': 'same-origin' }
    const cookie = cookies[i % cookies.length]
    if (cookie !== '') headers.cookie = cookie
    const res = await fetch(`${url}/profile`, { headers, redirect: 'manual' })
    await res.arrayBuffer()
    if (res.status < 400) ok++
  }
  return ok
}

/** The callgrind files of one run, one per thread, the main thread first. */
const threadFiles = (file) => {
  const base = path.basename(file)
  const files = readdirSync(path.dirname(file))
    .filter((f) => f.startsWith(`${base}-`))
    .sort()
    .map((f) => path.join(path.dirname(file), f))
  return files
}

const results = []
for (const variant of variantList.split(',')) {
  const file = path.join(
    tmpdir(),
    `tessera-fw-callgrind-${framework}-${variant}-${process.pid}.out`,
  )
  const { child, url } = await startServer(framework, variant, {
    wrapper: [
      'valgrind',
      '-q',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${file}`,
    ],
    nodeFlags: process.env.SINGLE ? ['--single-threaded'] : [],
  })
  try {
    const cookies = await signIn(url, USERS) // bare signs nobody in: its cookies are empty
    await drive(url, cookies, WARMUP)
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' })
    const ok = await drive(url, cookies, REQUESTS)
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' })
    child.kill('SIGTERM')
    await once(child, 'exit')
    const files = threadFiles(file)
    const counts = files.map((f) => {
      const match = /^totals:\s+(\d+)/m.exec(readFileSync(f, 'utf8'))
      if (match === null) throw new Error(`no totals in ${f}`)
      return Number(match[1])
    })
    results.push({
      variant,
      all: counts.reduce((a, b) => a + b, 0) / REQUESTS,
      main: counts[0] / REQUESTS,
      ok,
    })
    for (const f of files) {
      if (process.env.KEEP) console.error(`kept ${f}`)
      else rmSync(f, { force: true })
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

const reference = results.find((r) => r.variant === 'bare') ?? results[0]
console.log(
  `${framework}: GET /profile, ${WARMUP} warm-up requests, then ${REQUESTS} counted, one at a time`,
)
console.log(
  `| variant | all threads | main thread | main × ${reference.variant} | answered < 400 |`,
)
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const r of results) {
  console.log(
    `| ${r.variant} | ${Math.round(r.all).toLocaleString('en')} | ${Math.round(r.main).toLocaleString('en')} | ${(r.main / reference.main).toFixed(3)} | ${r.ok}/${REQUESTS} |`,
  )
}
