// Runs the real, built `tessera` binary (dist/cli/main.js) in a child process.
import { spawn } from 'node:child_process'
import { repoFile } from './paths.js'

/** What a finished run printed and how it exited. */
export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The built binary's path. */
export const CLI_PATH = repoFile('dist/cli/main.js')

/**
 * Runs `tessera ...args` with `env` added to a minimal environment, to completion; `nodeArgs` go
 * to node before the script (e.g. `--import` a preload).
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
  nodeArgs: readonly string[] = [],
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI_PATH, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: cwd ?? repoFile('.'),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
