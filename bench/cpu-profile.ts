// Summarises a V8 CPU profile (`node --cpu-prof`): where a server's samples went, by owner
// (tessera's code, each npm package, Node's own JavaScript, native code, GC, idle) and by
// function, self time and, for tessera, inclusive time (tessera code and everything it called,
// counted once per outermost tessera frame).
//   node dist/bench/cpu-profile.js <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Who owns a frame: 'tessera', a package name, 'node', 'native', 'gc', 'idle', 'program'. */
export function owner(frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') {
    if (functionName === '(idle)') return 'idle'
    if (functionName === '(garbage collector)') return 'gc'
    if (functionName === '(program)') return 'program'
    return 'native'
  }
  if (url.startsWith('node:')) return 'node'
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg) return pkg[1]!
  if (url.includes('/dist/src/')) return 'tessera'
  if (url.includes('/dist/bench/')) return 'bench app'
  return 'other'
}

export interface ProfileSummary {
  /** Microseconds sampled, idle included. */
  readonly totalMicros: number
  readonly idleMicros: number
  /** Self time per owner, µs. */
  readonly byOwner: ReadonlyMap<string, number>
  /** Self time per function ("name url:line"), µs, largest first. */
  readonly byFunction: readonly [string, number][]
  /** Time in tessera frames and everything they called, µs. */
  readonly tesseraInclusiveMicros: number
}

export function summarise(profile: CpuProfile): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (const [i, id] of profile.samples.entries()) {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byOwner = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const [id, micros] of self) {
    const frame = nodes.get(id)!.callFrame
    total += micros
    const who = owner(frame)
    byOwner.set(who, (byOwner.get(who) ?? 0) + micros)
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  }
  // Inclusive time of outermost tessera frames: walk the tree, and below a tessera frame count
  // every sample once.
  let tesseraInclusive = 0
  const root = profile.nodes[0]!
  const walk = (node: ProfileNode, inside: boolean) => {
    const here = inside || owner(node.callFrame) === 'tessera'
    if (here) tesseraInclusive += self.get(node.id) ?? 0
    for (const child of node.children ?? []) walk(nodes.get(child)!, here)
  }
  walk(root, false)
  return {
    totalMicros: total,
    idleMicros: byOwner.get('idle') ?? 0,
    byOwner,
    byFunction: [...byFunction].sort((a, b) => b[1] - a[1]),
    tesseraInclusiveMicros: tesseraInclusive,
  }
}

/** The summary as Markdown: shares of the busy (non-idle) time. */
export function report(summary: ProfileSummary, top = 25): string {
  const busy = summary.totalMicros - summary.idleMicros
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1)} %`
  const lines = [
    `busy ${(busy / 1e6).toFixed(2)} s of ${(summary.totalMicros / 1e6).toFixed(2)} s sampled; tessera inclusive ${pct(summary.tesseraInclusiveMicros)}`,
    '',
    '| owner (self time) | share of busy |',
    '| --- | ---: |',
    ...[...summary.byOwner]
      .filter(([who]) => who !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([who, micros]) => `| ${who} | ${pct(micros)} |`),
    '',
    '| function (self time) | share of busy |',
    '| --- | ---: |',
    ...summary.byFunction
      .filter(([name]) => !name.startsWith('(idle)'))
      .slice(0, top)
      .map(([name, micros]) => `| ${name} | ${pct(micros)} |`),
  ]
  return lines.join('\n')
}

if (process.argv[1]?.endsWith('cpu-profile.js')) {
  const [file, top] = process.argv.slice(2)
  if (file === undefined) {
    console.error('usage: cpu-profile.js <file.cpuprofile> [top]')
    process.exit(2)
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  console.log(report(summarise(profile), Number(top ?? 25)))
}
