// `npm run bench:frameworks`: per framework, the cost of tessera relative to the same framework
// bare (and @fastify/session's, for Fastify), as paired bursts. Each server is its own warm
// process; bursts alternate (bare, variant, variant, bare, ...) so the load of a shared machine
// falls on both sides of each pair. Reports the median of the pairs' ratios and their range.
// Authenticated GET /profile with a visit counter; tessera on the server carrier, memory store.
// A hand-written floor (`floor`) runs on every framework but the Fetch API's (`web`).
// Env: PAIRS (default 6), BURST_SECONDS (default 2), FRAMEWORKS (comma list).
import { cpus, loadavg } from 'node:os'
import { loadProfile, signIn, startServer } from './framework-client.mjs'

const CONNECTIONS = 10
const PAIRS = Number(process.env.PAIRS ?? 6)
const BURST = Number(process.env.BURST_SECONDS ?? 2)
const FRAMEWORKS = (process.env.FRAMEWORKS ?? 'express,fastify,hono,koa,web').split(',')

async function start(framework, variant) {
  const { child, url } = await startServer(framework, variant)
  return { variant, child, url, cookies: await signIn(url, CONNECTIONS) }
}

/** Requests per second of one burst; each connection keeps its own signed-in user. */
async function burst(target, seconds) {
  const result = await loadProfile(target.url, target.cookies, seconds, CONNECTIONS)
  if (result.non2xx > 0) throw new Error(`${target.variant}: ${result.non2xx} responses not 2xx`)
  return result.requests.average
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Ratios variant/bare over PAIRS adjacent pairs, the order alternating pair by pair. */
async function paired(bare, variant) {
  await burst(bare, 1)
  await burst(variant, 1) // warm-up, not counted
  const ratios = []
  const rates = { bare: [], variant: [] }
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? [bare, variant] : [variant, bare]
    const [a, b] = [await burst(order[0], BURST), await burst(order[1], BURST)]
    const [r0, r1] = order[0] === bare ? [a, b] : [b, a]
    rates.bare.push(r0)
    rates.variant.push(r1)
    ratios.push(r1 / r0)
  }
  return {
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    bare: median(rates.bare),
    variant: median(rates.variant),
  }
}

console.log(
  `GET /profile (signed in, counter update), ${CONNECTIONS} connections, ${PAIRS} pairs × ${BURST} s; ` +
    `Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
)
console.log('framework  variant            ratio to bare  (range)        req/s variant  req/s bare')
for (const framework of FRAMEWORKS) {
  // `floor`: a hand-written session (cookie, SHA-256, Map, version check), the least it costs.
  const variants =
    framework === 'fastify'
      ? ['tessera', 'floor', 'fastify-session']
      : framework === 'web'
        ? ['tessera']
        : ['tessera', 'floor']
  const bare = await start(framework, 'bare')
  try {
    for (const name of variants) {
      const variant = await start(framework, name)
      try {
        const r = await paired(bare, variant)
        console.log(
          `${framework.padEnd(10)} ${name.padEnd(18)} ${r.ratio.toFixed(2).padStart(6)}×       ` +
            `(${r.min.toFixed(2)}–${r.max.toFixed(2)})    ${Math.round(r.variant).toString().padStart(8)}  ${Math.round(r.bare).toString().padStart(10)}`,
        )
      } finally {
        variant.child.kill('SIGTERM')
      }
    }
  } finally {
    bare.child.kill('SIGTERM')
  }
}
console.log(
  `\nload average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
