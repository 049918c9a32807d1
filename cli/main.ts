#!/usr/bin/env node
// The tessera command line. Exit codes: 0 ok, 1 failed, 2 usage.
import { isTesseraError } from 'tessera-session'
import { COMMANDS, type Command } from './commands/index.js'
import { UsageError } from './commands/output.js'

const OVERVIEW = `usage: tessera <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

Run "tessera <command> --help" for a command's options.
`

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined) {
    process.stderr.write(OVERVIEW)
    return 2
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const named = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0])
    process.stdout.write(named === undefined ? OVERVIEW : named.usage)
    return 0
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === first)
  if (command === undefined) {
    process.stderr.write(`tessera: unknown command "${first}"\n\n${OVERVIEW}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // A wrong option or option value is a usage error; everything else is a failure.
    const usage =
      err instanceof UsageError ||
      isParseArgsError(err) ||
      (isTesseraError(err, 'ERR_CONFIG_INVALID') && message.startsWith('--'))
    process.stderr.write(`tessera ${command.name}: ${message}\n`)
    if (usage) process.stderr.write(`\n${command.usage}`)
    return usage ? 2 : 1
  }
}

process.exitCode = await run(process.argv.slice(2))
