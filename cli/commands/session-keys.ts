// The session keys a command checks values with: from the environment or a key file, never from
// argv (a command line is visible to every user of the machine and kept in shell history), and
// never created: a development key is only read when the reference app already made one.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { TesseraError } from 'tessera-session'
import {
  decodeKey,
  derivedKeyId,
  devKeyPath,
  PREVIOUS_KEY_VARIABLE,
  SESSION_KEY_VARIABLE,
  type SessionKey,
} from '../../app/config.js'
import { UsageError } from './output.js'

/** The parseArgs definitions of the key options (`--key` is refused before parsing). */
export const KEY_OPTIONS = {
  'key-file': { type: 'string' },
  'key-id': { type: 'string', multiple: true },
} as const

/** Their help lines. */
export const KEY_HELP = `Key options (keys never come from the command line):
  --key-file <file>       the session keys, one per line, newest first
                          (default: env ${SESSION_KEY_VARIABLE} and ${PREVIOUS_KEY_VARIABLE},
                          else the reference app's development key under --data-dir)
  --key-id <id>           the id of each key, in the same order, as in session({ keys });
                          repeat it for several keys (default: the reference app's derived ids)`

/** The values of the key options as parseArgs returns them. */
export interface KeyValues {
  readonly 'key-file'?: string | undefined
  readonly 'key-id'?: string[] | undefined
  readonly 'data-dir'?: string | undefined
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * Refuses a key given in argv before anything else happens, argv itself being read: a parser would
 * take a base64url key that begins with "-" (one in 64) for an option and answer with its own
 * message instead of this one.
 */
export function refuseKeyInArgv(argv: readonly string[]): void {
  const end = argv.indexOf('--')
  const options = end === -1 ? argv : argv.slice(0, end)
  if (options.some((arg) => arg === '--key' || arg.startsWith('--key='))) {
    throw new UsageError(
      `--key: keys are never taken on the command line (other users and the shell history see ` +
        `it); set ${SESSION_KEY_VARIABLE} or give --key-file`,
    )
  }
}

function readKeyFile(file: string): Buffer[] {
  if (!existsSync(file)) {
    throw new TesseraError('ERR_CONFIG_INVALID', `key file ${file} does not exist`)
  }
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  if (lines.length === 0) {
    throw new TesseraError('ERR_CONFIG_INVALID', `key file ${file} holds no key`)
  }
  return lines.map((line, i) => decodeKey(`key file ${file}, line ${i + 1}`, line))
}

function rawKeys(values: KeyValues, env: Env): Buffer[] {
  if (values['key-file'] !== undefined) return readKeyFile(path.resolve(values['key-file']))
  const current = env[SESSION_KEY_VARIABLE]
  if (current !== undefined && current !== '') {
    const previous = env[PREVIOUS_KEY_VARIABLE]
    return [
      decodeKey(SESSION_KEY_VARIABLE, current),
      ...(previous === undefined || previous === ''
        ? []
        : [decodeKey(PREVIOUS_KEY_VARIABLE, previous)]),
    ]
  }
  const devKey = devKeyPath(path.resolve(values['data-dir'] ?? env.TESSERA_DATA_DIR ?? 'data'))
  if (existsSync(devKey)) return [decodeKey(devKey, readFileSync(devKey, 'utf8'))]
  throw new TesseraError(
    'ERR_CONFIG_INVALID',
    `no session key: set ${SESSION_KEY_VARIABLE} or give --key-file (there is no development ` +
      `key at ${devKey} either, and the CLI never creates one)`,
  )
}

/**
 * The session keys with their ids, newest first: `--key-file`, else the environment, else the
 * reference app's existing development key. Ids are `--key-id` in order, else derived as the
 * reference app derives them.
 */
export function readSessionKeys(values: KeyValues, env: Env = process.env): SessionKey[] {
  const keys = rawKeys(values, env)
  const ids = values['key-id']
  if (ids !== undefined && ids.length !== keys.length) {
    throw new UsageError(
      `--key-id is given ${ids.length} time${ids.length === 1 ? '' : 's'} for ${keys.length} ` +
        `key${keys.length === 1 ? '' : 's'}: give one id per key, newest first`,
    )
  }
  return keys.map((key, i) => ({ id: ids?.[i] ?? derivedKeyId(key), key }))
}
