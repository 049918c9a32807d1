import { parseArgs } from 'node:util'
import type { SessionRecord } from 'tessera-session'
import { sessionHandleFunction } from '../../app/carrier-secrets.js'
import {
  dashedValuesAsPositionals,
  isoTime,
  print,
  printJson,
  UsageError,
  withProgress,
  type Command,
} from './output.js'
import { KEY_HELP, KEY_OPTIONS, readSessionKeys, refuseKeyInArgv } from './session-keys.js'
import {
  openExistingStore,
  resolveUserId,
  STORE_HELP,
  STORE_OPTIONS,
  storeTarget,
} from './store.js'

const USAGE = `usage: tessera sessions list --user <id> [--json] [store options]
       tessera sessions revoke --user <id> (--all | <handle>) [--json] [store options]

Lists or ends a user's sessions in an existing store; creates nothing. --user takes a user id,
or a username registered in the reference app, looked up where the app keeps its accounts with
that store (accounts.db under --data-dir, or the Redis or PostgreSQL of the sessions) when the
store has the app's names. A session is named by its handle, the one "your sessions" shows: an
HMAC under the session key, so the keys must be the deployment's.

Options:
  --user <id>             whose sessions: a user id or a username
  --all                   (revoke) end every session of the user
  --json                  machine-readable output, and no progress
${STORE_HELP}
${KEY_HELP}
`

/** A listing's row: never the id or its hash, only the handle the web page shows too. */
function row(
  record: SessionRecord,
  handleOf: (r: SessionRecord) => string,
): Record<string, unknown> {
  return {
    handle: handleOf(record),
    createdAt: isoTime(record.createdAt),
    lastSeenAt: isoTime(record.lastSeenAt),
    expiresAt: isoTime(record.expiresAt),
    ip: record.meta.ip ?? null,
    userAgent: record.meta.userAgent ?? null,
  }
}

/** `tessera sessions list|revoke`. */
export const sessionsCommand: Command = {
  name: 'sessions',
  summary: "list or revoke a user's sessions in the store",
  usage: USAGE,
  async run(argv) {
    refuseKeyInArgv(argv)
    const { values, positionals } = parseArgs({
      args: dashedValuesAsPositionals(argv),
      options: {
        ...STORE_OPTIONS,
        ...KEY_OPTIONS,
        user: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    const [action, handle, ...extra] = positionals
    if (action !== 'list' && action !== 'revoke')
      throw new UsageError('expected "list" or "revoke"')
    if (values.user === undefined || values.user === '') throw new UsageError('--user is required')
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
    if (action === 'list' && (handle !== undefined || values.all === true)) {
      throw new UsageError('list takes no handle and no --all')
    }
    if (action === 'revoke' && (handle === undefined) === (values.all !== true)) {
      throw new UsageError('revoke needs exactly one of --all or a handle')
    }
    const json = values.json === true
    const target = storeTarget(values)
    // Revoking everything needs no handle, so no key.
    const keys = action === 'revoke' && values.all === true ? null : readSessionKeys(values)
    const opened = await openExistingStore(target)
    try {
      const userId = await resolveUserId(opened, values.user)
      const handleOfHash = keys === null ? null : sessionHandleFunction(keys)
      const handleOf = (record: SessionRecord) => handleOfHash?.(record.idHash) ?? ''
      const sessions = opened.store.sessions
      const listed = () =>
        withProgress('reading sessions', () => sessions.listByUser(userId), { quiet: json })
      if (action === 'list') {
        const rows = (await listed()).map((r) => row(r, handleOf))
        if (json) printJson({ userId, sessions: rows })
        else if (rows.length === 0) print(`no active sessions for user ${userId}`)
        else {
          print(`${rows.length} active session${rows.length === 1 ? '' : 's'} of user ${userId}:`)
          print('handle  created  last-seen  expires  ip  user-agent')
          for (const r of rows)
            print(
              Object.values(r)
                .map((v) => v ?? '-')
                .join('  '),
            )
        }
        return 0
      }
      let revoked: number
      if (values.all === true) {
        revoked = await sessions.deleteByUser(userId)
      } else {
        const match = (await listed()).find((r) => handleOf(r) === handle)
        if (match !== undefined) await sessions.delete(match.idHash)
        revoked = match === undefined ? 0 : 1
      }
      if (json) printJson({ userId, revoked })
      else print(`revoked ${revoked} session${revoked === 1 ? '' : 's'} of user ${userId}`)
      return revoked === 0 && values.all !== true ? 1 : 0
    } finally {
      await opened.close()
    }
  },
}
