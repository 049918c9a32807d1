// Instructions per request of bench/in-process.ts's cases, which the machine's load does not move:
// each case runs twice under valgrind's callgrind with the same warm-up and two numbers of
// requests, and the difference of the two totals is divided by the difference of the counts
// (start-up, warm-up and compilation cancel out). Needs valgrind; build first (npx tsc -p .).
//   node bench/in-process-instructions.mjs [case,case,...] [short=10000] [long=40000] [warmup=10000]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('../dist/bench/in-process.js', import.meta.url))
const argv = process.argv.slice(2)
const cases = (
  argv[0] ?? 'server-update,server-assign,cookie-update,token-update,floor-cookie'
).split(',')
const [short, long, warmup] = [1, 2, 3].map((i, k) =>
  Number(argv[i] ?? [10_000, 40_000, 10_000][k]),
)

/** The instructions callgrind counted for the whole run of one case. */
function collected(id, requests) {
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      script,
      '--case',
      id,
      '--requests',
      String(requests),
      '--warmup',
      String(warmup),
    ],
    { encoding: 'utf8', timeout: 600_000 },
  )
  const match = /Collected : (\d+)/.exec(run.stderr ?? '')
  if (run.status !== 0 || match === null) {
    throw new Error(`valgrind failed for ${id}: ${String(run.error ?? run.stderr).slice(-500)}`)
  }
  return Number(match[1])
}

console.log(
  `node ${process.version}; instructions per request: (run of ${long} − run of ${short}) / ${long - short}, after ${warmup} warm-up requests`,
)
console.log('| case | instructions/request |\n| --- | ---: |')
for (const id of cases) {
  const perRequest = (collected(id, long) - collected(id, short)) / (long - short)
  console.log(`| ${id} | ${Math.round(perRequest).toLocaleString('en')} |`)
}
