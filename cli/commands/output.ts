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

/** The options every store command takes, with their help lines. */
export const STORE_HELP = `  --store <name>      memory | sqlite | redis | postgres (default sqlite; env TESSERA_STORE)
  --data-dir <dir>    where the SQLite files and the development key live (default ./data)
                      redis needs REDIS_URL, postgres needs DATABASE_URL`
