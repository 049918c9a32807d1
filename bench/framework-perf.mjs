// `node bench/framework-perf.mjs <framework> <variant> [seconds]`: where one server of
// `npm run bench:frameworks` spends its CPU under the benchmark's load (10 signed-in users,
// GET /profile with a counter update), sampled by Linux `perf` (all of the process's threads, the
// kernel included) with V8's `--perf-basic-prof`, so that JIT-compiled functions have names. Each
// sample goes to the nearest JavaScript function on its stack (a builtin, a runtime call or a
// syscall is charged to the JavaScript that made it), and the shares are printed by file and by
// function. Needs `perf` with perf_event_paranoid ≤ 2. Build first (`npm run build`).
//   node bench/framework-perf.mjs koa tessera 10
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadProfile, signIn, startServer } from './framework-client.mjs'

const [framework = 'hono', variant = 'tessera', secondsArg = '10'] = process.argv.slice(2)
const seconds = Math.min(60, Number(secondsArg))
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-perf-'))
const data = path.join(dir, 'perf.data')
const { child, url } = await startServer(framework, variant, { nodeFlags: ['--perf-basic-prof'] })
try {
  const load = loadProfile(url, await signIn(url), seconds + 2)
  await new Promise((resolve) => setTimeout(resolve, 1000)) // warm first
  const perf = spawn(
    'perf',
    [
      'record',
      '-F',
      '4999',
      '-g',
      '-p',
      String(child.pid),
      '-o',
      data,
      '--',
      'sleep',
      String(seconds),
    ],
    { stdio: 'ignore' },
  )
  await once(perf, 'exit')
  const result = await load
  if (result.non2xx > 0) throw new Error(`${result.non2xx} responses not 2xx`)
  const script = execFileSync('perf', ['script', '-i', data], {
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString()
  report(script)
} finally {
  child.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}

/** Charges each sample to the nearest JavaScript frame (or regular expression) on its stack. */
function report(script) {
  const byFunction = new Map()
  const byFile = new Map()
  let total = 0
  for (const sample of script.split('\n\n')) {
    const frames = sample.split('\n').filter((l) => /^\s/.test(l))
    if (frames.length === 0) continue
    total++
    let owner = '(no JavaScript frame: the event loop, the kernel, native code)'
    for (const frame of frames) {
      const symbol = frame
        .trim()
        .replace(/^[0-9a-f]+\s+/, '')
        .replace(/ \([^)]*\)$/, '')
        .replace(/\+0x[0-9a-f]+$/, '')
      if (symbol.startsWith('JS:') || symbol.startsWith('RegExp:')) {
        owner = symbol
        break
      }
    }
    byFunction.set(owner, (byFunction.get(owner) ?? 0) + 1)
    const file =
      /(dist\/src\/[^:]+|node_modules\/(?:@[^/]+\/)?[^/]+|node:[^:]+|framework-server)/.exec(
        owner,
      )?.[1] ?? (owner.startsWith('RegExp:') ? 'regular expressions' : owner)
    byFile.set(file, (byFile.get(file) ?? 0) + 1)
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / total).toFixed(2).padStart(6)} %  ${k.slice(0, 140)}`)
      .join('\n')
  console.log(`${framework} ${variant}: ${total} samples over ${seconds} s under load`)
  console.log('\nby file (tessera is dist/src/…):')
  console.log(top(byFile, 30))
  console.log('\nby function:')
  console.log(top(byFunction, 40))
}
