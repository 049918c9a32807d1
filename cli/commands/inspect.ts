import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { isTesseraError } from 'tessera'
import { decodeJwtUnsafe, verifyJwt } from 'tessera/jwt'
import { loadSessionKeys, type SessionKey } from '../../app/config.js'
import { isoTime, print, printJson, STORE_HELP, UsageError, type Command } from './output.js'
import { configuredStore, openConfiguredStore, STORE_OPTIONS, type StoreValues } from './store.js'

const USAGE = `usage: tessera inspect <cookie-or-jwt> [--json] [store options]

Decodes what can be decoded in a cookie value or a JWT, checks it with the configured keys
(TESSERA_SESSION_KEY, or the development key under --data-dir) or, for a session id, looks it
up in the configured store, and explains what it found. A "name=value" pair is accepted too.
Exit code 0 when the value is genuine and live, 1 when it is not.

Options:
  --json              print the findings as JSON
${STORE_HELP}
`

/** What inspect found. */
interface Finding {
  kind: 'jwt' | 'session-id' | 'unknown'
  explanation: string
  verified: boolean | null
  header?: unknown
  claims?: unknown
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

function inspectJwt(token: string, keys: readonly SessionKey[]): Finding | null {
  let decoded: ReturnType<typeof decodeJwtUnsafe>
  try {
    decoded = decodeJwtUnsafe(token)
  } catch {
    return null
  }
  const { header, payload } = decoded
  let verified = false
  let why = 'its signature does not match any configured key (forged, edited, or another key)'
  for (const { id, key } of keys) {
    try {
      verifyJwt(token, [{ id, key, alg: 'HS256' }], {})
      verified = true
      why = `its signature verifies with key ${id}`
      break
    } catch (err) {
      if (isTesseraError(err, 'ERR_JWT_EXPIRED')) {
        why = `its signature is genuine (key ${id}) but it has expired`
        break
      }
    }
  }
  return {
    kind: 'jwt',
    explanation: `A JWT signed with ${String(header.alg)}: anyone can read the header and claims; ${why}.`,
    verified,
    header,
    claims: payload,
  }
}

async function inspectSessionId(value: string, values: StoreValues): Promise<Finding> {
  const intro =
    'A server-carrier session id: 256 random bits with no meaning of their own; the store ' +
    'keeps only its SHA-256. '
  const { config, opened } = await openConfiguredStore(values)
  try {
    const idHash = createHash('sha256').update(value).digest('base64url')
    const record = await opened.store.sessions.get(idHash)
    if (record === null) {
      return {
        kind: 'session-id',
        explanation: `${intro}The ${config.store} store has no live session for it (unknown, ended or expired).`,
        verified: false,
      }
    }
    const who = record.userId === null ? 'an anonymous visitor' : `user ${record.userId}`
    return {
      kind: 'session-id',
      explanation:
        `${intro}It is a live session of ${who} in the ${config.store} store, created ` +
        `${isoTime(record.createdAt)}, expiring ${isoTime(record.expiresAt)}.`,
      verified: true,
    }
  } finally {
    await opened.close()
  }
}

async function inspectValue(value: string, keys: readonly SessionKey[], values: StoreValues): Promise<Finding> {
  const jwt = value.split('.').length === 3 ? inspectJwt(value, keys) : null
  if (jwt !== null) return jwt
  if (SESSION_ID.test(value)) return inspectSessionId(value, values)
  return {
    kind: 'unknown',
    explanation:
      'Not a JWT and not a session id. If it came from the cookie carrier it is sealed with ' +
      'AES-256-GCM: opaque without the key, and refused if any character changes.',
    verified: null,
  }
}

/** `tessera inspect <value>`. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'decode and verify a session cookie or JWT',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...STORE_OPTIONS, json: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new UsageError('expected exactly one cookie value or JWT')
    }
    const raw = positionals[0] as string
    const eq = raw.indexOf('=')
    const name = eq > 0 && !raw.startsWith('ey') ? raw.slice(0, eq) : null
    const value = name === null ? raw : raw.slice(eq + 1)
    const { keys } = loadSessionKeys(process.env, configuredStore(values).dataDir)
    const finding = await inspectValue(value.trim(), keys, values)
    if (values.json === true) {
      printJson({ name, length: value.length, ...finding })
    } else {
      print(`${name === null ? 'value' : `cookie ${name}`}: ${value.length} characters`)
      print(finding.explanation)
      if (finding.header !== undefined) print(`header: ${JSON.stringify(finding.header)}`)
      if (finding.claims !== undefined) print(`claims: ${JSON.stringify(finding.claims)}`)
    }
    return finding.verified === false ? 1 : 0
  },
}
