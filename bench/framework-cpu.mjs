// `node bench/framework-cpu.mjs <framework> [variants] [pairs]`: CPU time per request of servers of
// `npm run bench:frameworks` (bench/framework-server.mjs) under the benchmark's load, read from
// /proc (user + system, every thread of the server process), next to the load generator's own CPU
// per request and the requests per second. Bursts of 2 s rotate over the variants (reversed every
// other round), and each figure is the median over the rounds. On a machine whose two cores the
// load generator shares, a ratio to bare is about (generator + bare) / (generator + variant).
//   node bench/framework-cpu.mjs hono tessera,floor,bare 4
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const [framework = 'hono', variantList = 'tessera,floor,bare', pairsArg = '4'] =
  process.argv.slice(2)
const rounds = Math.min(20, Number(pairsArg))
const serverFile = new URL('./framework-server.mjs', import.meta.url).pathname
const TICK_MICROS = 10_000 // Linux clock ticks are 1/100 s

/** User + system CPU of a process so far, µs (all its threads). */
function cpuMicros(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS
}
const ownMicros = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

async function start(variant) {
  const child = spawn(process.execPath, [serverFile, framework, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [line] = await once(child.stdout, 'data')
  const url = `http://127.0.0.1:${JSON.parse(String(line)).port}`
  const cookies = []
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${url}/login?user=u${i}`, { method: 'POST', redirect: 'manual' })
    await res.arrayBuffer()
    cookies.push(
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    )
  }
  return { variant, child, url, cookies, rows: [] }
}

async function burst(target) {
  let next = 0
  const [server0, own0] = [cpuMicros(target.child.pid), ownMicros()]
  const result = await autocannon({
    url: `${target.url}/profile`,
    connections: 10,
    duration: 2,
    requests: [
      {
        method: 'GET',
        setupRequest: (request, context) => {
          context.cookie ??= target.cookies[next++ % target.cookies.length]
          return { ...request, headers: { ...request.headers, cookie: context.cookie } }
        },
      },
    ],
  })
  if (result.non2xx > 0) throw new Error(`${target.variant}: ${result.non2xx} responses not 2xx`)
  const n = result.requests.total
  target.rows.push({
    rps: n / 2,
    server: (cpuMicros(target.child.pid) - server0) / n,
    generator: (ownMicros() - own0) / n,
  })
}

const targets = []
try {
  for (const variant of variantList.split(',')) targets.push(await start(variant))
  for (const t of targets) await burst(t) // warm-up, not kept
  for (const t of targets) t.rows.length = 0
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) await burst(t)
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`${framework}: GET /profile, 10 connections, ${rounds} rounds of 2 s bursts`)
  console.log('| variant | req/s | server CPU µs/request | load generator CPU µs/request |')
  console.log('| --- | ---: | ---: | ---: |')
  for (const t of targets) {
    const m = (k) => median(t.rows.map((row) => row[k]))
    console.log(
      `| ${t.variant} | ${m('rps').toFixed(0)} | ${m('server').toFixed(1)} | ${m('generator').toFixed(1)} |`,
    )
  }
} finally {
  for (const t of targets) t.child.kill('SIGTERM')
}
