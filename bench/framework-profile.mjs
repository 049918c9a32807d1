// `node bench/framework-profile.mjs <framework> <variant> [seconds]`: a CPU profile of one server of
// `npm run bench:frameworks` (bench/framework-server.mjs) under the same load (10 signed-in users,
// GET /profile with a counter update), summarised as shares of samples: by where the code lives
// (tessera, a framework package, Node, idle, GC) and the top functions by self time.
// Build first (`npm run build`): the server imports tessera-session from dist/.
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadProfile, signIn, startServer } from './framework-client.mjs'

const [framework = 'fastify', variant = 'tessera', seconds = '8'] = process.argv.slice(2)
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-profile-'))
const { child, url } = await startServer(framework, variant, {
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
})
await loadProfile(url, await signIn(url), Number(seconds))
child.kill('SIGTERM') // the server exits on SIGTERM, which writes the profile
await once(child, 'exit')

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8'))
rmSync(dir, { recursive: true, force: true })
const timeOf = new Map()
profile.samples.forEach((id, i) =>
  timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
)
const byPlace = new Map()
const byFunction = new Map()
let total = 0
for (const node of profile.nodes) {
  const t = timeOf.get(node.id) ?? 0
  total += t
  const { url: where, functionName, lineNumber } = node.callFrame
  const place = where.includes('/dist/src/')
    ? 'tessera'
    : where.includes('node_modules/')
      ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
      : where.startsWith('node:')
        ? 'node:'
        : functionName.startsWith('(')
          ? functionName
          : 'other (native)'
  byPlace.set(place, (byPlace.get(place) ?? 0) + t)
  const name = `${functionName || '(anonymous)'} ${where.replace(/.*\/(dist|node_modules)\//, '$1/')}:${lineNumber}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + t)
}
const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n')
console.log(`${framework} ${variant}, ${seconds} s under load; shares of samples by place:`)
console.log(top(byPlace, 12))
console.log('\ntop functions by self time:')
console.log(top(byFunction, 30))
