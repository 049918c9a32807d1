// CPU time of processes from Linux /proc, for benchmarks that report CPU per request: on a shared
// machine it is steadier than requests per second, and it shows where a request's cost lands
// (the app server, or the Redis or PostgreSQL server it talks to).
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MICROS = 10_000 // Linux clock ticks are 1/100 s (getconf CLK_TCK)

/** The process's name and its user + system CPU time so far (µs), or null if it is gone. */
function stat(pid: number): { name: string; micros: number } | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  const close = text.lastIndexOf(')')
  const fields = text.slice(close + 2).split(' ')
  return {
    name: text.slice(text.indexOf('(') + 1, close),
    micros: (Number(fields[11]) + Number(fields[12])) * TICK_MICROS,
  }
}

/** User + system CPU time of one process so far, in µs. */
export function cpuMicros(pid: number): number {
  return stat(pid)?.micros ?? 0
}

/** The same summed over every process whose name starts with `prefix` (all postgres backends). */
export function cpuMicrosByName(prefix: string): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const s = stat(Number(entry))
    if (s !== null && s.name.startsWith(prefix)) total += s.micros
  }
  return total
}
