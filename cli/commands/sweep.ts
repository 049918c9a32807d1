import { parseArgs } from 'node:util'
import { print, printJson, STORE_HELP, type Command } from './output.js'
import { openConfiguredStore, STORE_OPTIONS } from './store.js'

const USAGE = `usage: tessera sweep [--json] [store options]

Deletes expired sessions and refresh tokens from the configured store (SQL stores keep them
until swept; Redis expires them by itself). Prints progress while a long sweep runs.

Options:
  --json              print { sessions, refreshTokens, elapsedMs }
${STORE_HELP}
`

const PROGRESS_INTERVAL_MS = 1000

/** Runs `step`, printing a progress line to stderr every second it takes. */
async function withProgress<T>(label: string, step: () => Promise<T>): Promise<T> {
  const startedAt = Date.now()
  const timer = setInterval(() => {
    process.stderr.write(
      `${label}: still sweeping (${Math.round((Date.now() - startedAt) / 1000)} s)\n`,
    )
  }, PROGRESS_INTERVAL_MS)
  try {
    return await step()
  } finally {
    clearInterval(timer)
  }
}

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
    const { config, opened } = await openConfiguredStore(values)
    const startedAt = Date.now()
    try {
      const json = values.json === true
      if (!json) print(`sweeping the ${config.store} store`)
      const sessions = await withProgress('sessions', () =>
        opened.store.sessions.deleteExpired(Date.now()),
      )
      if (!json) print(`sessions: ${sessions} expired deleted`)
      const refreshTokens = await withProgress('refresh tokens', () =>
        opened.store.refreshTokens.deleteExpired(Date.now()),
      )
      const elapsedMs = Date.now() - startedAt
      if (json) printJson({ store: config.store, sessions, refreshTokens, elapsedMs })
      else print(`refresh tokens: ${refreshTokens} expired deleted (${elapsedMs} ms in all)`)
      return 0
    } finally {
      await opened.close()
    }
  },
}
