// `node bench/framework-cpu.mjs <framework> [variants] [pairs]`: CPU time per request of servers of
// `npm run bench:frameworks` (bench/framework-server.mjs) under the benchmark's load, read from
// /proc (user + system, every thread of the server process), next to the load generator's own CPU
// per request and the requests per second. Bursts of 2 s rotate over the variants (reversed every
// other round), and each figure is the median over the rounds. On a machine whose two cores the
// load generator shares, a ratio to bare is about (generator + bare) / (generator + variant).
// Build first (`npm run build`).
//   node bench/framework-cpu.mjs hono tessera,floor,bare 4
import { cpuMicros } from '../dist/bench/proc-cpu.js' // bench/proc-cpu.ts, built by `npm run build`
import { loadProfile, signIn, startServer } from './framework-client.mjs'

const [framework = 'hono', variantList = 'tessera,floor,bare', pairsArg = '4'] =
  process.argv.slice(2)
const rounds = Math.min(20, Number(pairsArg))
const ownMicros = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

async function start(variant) {
  const { child, url } = await startServer(framework, variant)
  return { variant, child, url, cookies: await signIn(url), rows: [] }
}

async function burst(target) {
  const [server0, own0] = [cpuMicros(target.child.pid), ownMicros()]
  const result = await loadProfile(target.url, target.cookies, 2)
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
