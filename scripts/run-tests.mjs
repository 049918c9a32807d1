// Runs every compiled *.test.js under dist/test (or the paths given) with node's test runner.
// Node 20's --test has no globs, and a bare directory would also run helper modules as tests.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'

function findTests(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) out.push(...findTests(full))
    else if (name.endsWith('.test.js')) out.push(full)
  }
  return out
}

const args = process.argv.slice(2)
const roots =
  args.length > 0
    ? args.map((a) => a.replace(/^test\//, 'dist/test/').replace(/\.ts$/, '.js'))
    : ['dist/test']
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? findTests(r) : [r]))
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`)
  process.exit(1)
}
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
