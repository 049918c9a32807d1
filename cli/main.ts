#!/usr/bin/env node
// The tessera command line. Exit codes: 0 ok, 1 failed, 2 usage.
const [command] = process.argv.slice(2)
if (command === undefined || command === '--help' || command === 'help') {
  process.stdout.write('usage: tessera <command>\n\nThe commands arrive with the reference app.\n')
  process.exit(command === undefined ? 2 : 0)
}
process.stderr.write(`tessera: "${command}" is not available yet in this version\n`)
process.exit(2)
