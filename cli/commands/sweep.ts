import { parseArgs } from 'node:util'
import { print, printJson, withProgress, type Command } from './output.js'
import {
  describeTarget,
  openExistingStore,
  STORE_HELP,
  STORE_OPTIONS,
  storeTarget,
} from './store.js'

const USAGE = `usage: tessera sweep [--json] [store options]

Deletes expired sessions and refresh tokens from an existing store (SQL stores keep them until
swept; Redis expires them by itself). Creates nothing: a missing database or table is an error.
On a terminal it shows how long a long sweep has been running.

Options:
  --json                  print { store, sessions, refreshTokens, elapsedMs }, and no progress
${STORE_HELP}
`

/** `tessera sweep`. */
export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'delete expired sessions and refresh tokens',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...STORE_OPTIONS, json: { type: 'boolean' } },
    })
    const json = values.json === true
    const opened = await openExistingStore(storeTarget(values))
    const startedAt = Date.now()
    try {
      if (!json) print(`sweeping ${describeTarget(opened.target)}`)
      const sessions = await withProgress(
        'deleting expired sessions',
        () => opened.store.sessions.deleteExpired(Date.now()),
        { quiet: json },
      )
      if (!json) print(`sessions: ${sessions} expired deleted`)
      const refreshTokens = await withProgress(
        'deleting expired refresh tokens',
        () => opened.store.refreshTokens.deleteExpired(Date.now()),
        { quiet: json },
      )
      const elapsedMs = Date.now() - startedAt
      if (json) printJson({ store: opened.target.store, sessions, refreshTokens, elapsedMs })
      else print(`refresh tokens: ${refreshTokens} expired deleted (${elapsedMs} ms in all)`)
      return 0
    } finally {
      await opened.close()
    }
  },
}
