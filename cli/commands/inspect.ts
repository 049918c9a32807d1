import { parseArgs } from 'node:util'
import { decodeJwtUnsafe } from 'tessera-session/jwt'
import {
  findSession,
  openSealedCookie,
  verifyAccessToken,
  type Verdict,
} from '../../app/carrier-secrets.js'
import type { SessionKey } from '../../app/config.js'
import { dashedValuesAsPositionals, print, printJson, UsageError, type Command } from './output.js'
import {
  KEY_HELP,
  KEY_OPTIONS,
  readSessionKeys,
  refuseKeyInArgv,
  type KeyValues,
} from './session-keys.js'
import {
  describeTarget,
  openExistingStore,
  STORE_HELP,
  STORE_OPTIONS,
  storeTarget,
  type StoreValues,
} from './store.js'

const USAGE = `usage: tessera inspect <cookie-or-jwt> [--json] [store and key options]

Decodes what can be decoded in a cookie value or a JWT, checks it with the deployment's keys
or, for a session id, looks it up in the store, and explains what it found. A "name=value" pair
is accepted too (the cookie carrier binds its seal to the cookie's name; default tessera).
Reads only: it never creates a key, a database or a table.
Exit code 0 when the value is genuine and live, 1 when it is not or cannot be checked.

Options:
  --json                  print the findings as JSON
${STORE_HELP}
${KEY_HELP}
`

/** What inspect found. */
interface Finding {
  readonly kind: 'jwt' | 'session-id' | 'sealed' | 'unknown'
  readonly explanation: string
  /** null when nothing could be checked. */
  readonly verified: boolean | null
  readonly header?: unknown
  readonly claims?: unknown
  readonly content?: unknown
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const SEALED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

function inspectJwt(token: string, keys: () => readonly SessionKey[]): Finding | null {
  let decoded: ReturnType<typeof decodeJwtUnsafe>
  try {
    decoded = decodeJwtUnsafe(token)
  } catch {
    return null
  }
  const verdict = verifyAccessToken(token, keys())
  return {
    kind: 'jwt',
    explanation:
      `A JWT signed with ${String(decoded.header.alg)} (the token carrier's access token): ` +
      `anyone can read its header and claims; ${verdict.detail}.`,
    verified: verdict.genuine,
    header: decoded.header,
    claims: decoded.payload,
  }
}

async function inspectSessionId(value: string, values: StoreValues): Promise<Finding> {
  const opened = await openExistingStore(storeTarget(values))
  try {
    const verdict: Verdict = await findSession(value, opened.store)
    return {
      kind: 'session-id',
      explanation:
        'A server-carrier session id: 256 random bits with no meaning of their own; the ' +
        `store keeps only its SHA-256. In ${describeTarget(opened.target)}, ${verdict.detail}.`,
      verified: verdict.genuine,
    }
  } finally {
    await opened.close()
  }
}

function inspectSealed(
  value: string,
  name: string | null,
  keys: () => readonly SessionKey[],
): Finding {
  const verdict = openSealedCookie(value, keys(), name ?? undefined)
  return {
    kind: 'sealed',
    explanation:
      'A sealed cookie-carrier session (AES-256-GCM): opaque to anyone without the key; ' +
      `${verdict.detail}.`,
    verified: verdict.genuine,
    ...(verdict.content === undefined ? {} : { content: verdict.content }),
  }
}

async function inspectValue(
  value: string,
  name: string | null,
  keys: () => readonly SessionKey[],
  values: StoreValues,
): Promise<Finding> {
  const jwt = value.split('.').length === 3 ? inspectJwt(value, keys) : null
  if (jwt !== null) return jwt
  if (SESSION_ID.test(value)) return inspectSessionId(value, values)
  if (SEALED.test(value)) return inspectSealed(value, name, keys)
  return {
    kind: 'unknown',
    explanation:
      'Not a JWT, a session id or a sealed value: nothing tessera issues looks like this.',
    verified: false,
  }
}

/** `tessera inspect <value>`. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'decode and verify a session cookie or JWT',
  usage: USAGE,
  async run(argv) {
    refuseKeyInArgv(argv)
    const { values, positionals } = parseArgs({
      args: dashedValuesAsPositionals(argv),
      options: { ...STORE_OPTIONS, ...KEY_OPTIONS, json: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new UsageError('expected exactly one cookie value or JWT')
    }
    const raw = (positionals[0] as string).trim()
    const eq = raw.indexOf('=')
    const name =
      eq > 0 && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(raw.slice(0, eq)) ? raw.slice(0, eq) : null
    const value = name === null ? raw : raw.slice(eq + 1)
    storeTarget(values) // option mistakes are usage errors even when the store is not needed
    // Read only when the value needs them: a session id is checked against the store alone.
    const keys = () => readSessionKeys(values as KeyValues)
    const finding = await inspectValue(value, name, keys, values)
    if (values.json === true) {
      printJson({ name, length: value.length, ...finding })
    } else {
      print(`${name === null ? 'value' : `cookie ${name}`}: ${value.length} characters`)
      print(finding.explanation)
      if (finding.header !== undefined) print(`header: ${JSON.stringify(finding.header)}`)
      if (finding.claims !== undefined) print(`claims: ${JSON.stringify(finding.claims)}`)
      if (finding.content !== undefined) print(`sealed content: ${JSON.stringify(finding.content)}`)
    }
    return finding.verified === true ? 0 : 1
  },
}
