// What every command shares: its shape, usage errors and output helpers.

/** A subcommand of `tessera`. */
export interface Command {
  readonly name: string
  readonly summary: string
  /** Full help text, ending in a newline. */
  readonly usage: string
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>
}

/** Wrong arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

// A session id or handle is base64url, so one in 64 begins with "-", which parseArgs would take for
// an option (and refuse). Such an argument is passed after "--", where it is a positional. What
// looks like a long option (lower-case words after "--") stays an option.
const DASHED_VALUE = /^-[A-Za-z0-9_-]{15,}$/
const OPTION_LIKE = /^--[a-z]+(-[a-z]+)*$/

/** `argv` with every value that begins with "-" moved after "--" (unless "--" is already there). */
export function dashedValuesAsPositionals(argv: readonly string[]): string[] {
  if (argv.includes('--')) return [...argv]
  const dashed = (arg: string) => DASHED_VALUE.test(arg) && !OPTION_LIKE.test(arg)
  const values = argv.filter(dashed)
  if (values.length === 0) return [...argv]
  return [...argv.filter((arg) => !dashed(arg)), '--', ...values]
}

/** Prints one line to stdout. */
export function print(line = ''): void {
  process.stdout.write(line + '\n')
}

/** Prints a value as JSON on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

/** An epoch-ms instant as an ISO string without milliseconds. */
export function isoTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean | undefined
  write(text: string): unknown
}

/** How `withProgress` reports. */
export interface ProgressOptions {
  /** True with --json: nothing but the JSON result is printed. */
  readonly quiet: boolean
  readonly stream?: ProgressStream
  readonly intervalMs?: number
}

/**
 * Runs `step`; while it runs, and only on a terminal (never with --json, never into a pipe or
 * file), rewrites one line on stderr with the seconds elapsed, and clears it at the end.
 */
export async function withProgress<T>(
  label: string,
  step: () => Promise<T>,
  { quiet, stream = process.stderr, intervalMs = 1000 }: ProgressOptions,
): Promise<T> {
  if (quiet || stream.isTTY !== true) return step()
  const startedAt = Date.now()
  let shown = false
  const timer = setInterval(() => {
    shown = true
    stream.write(`\r\x1b[K${label}: ${Math.round((Date.now() - startedAt) / 1000)} s`)
  }, intervalMs)
  try {
    return await step()
  } finally {
    clearInterval(timer)
    if (shown) stream.write('\r\x1b[K')
  }
}
