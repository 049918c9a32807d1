// Environment and command-line options become one typed, validated config. Anything unknown or
// missing fails here, at startup, with a message that names the option or variable to fix.
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { TesseraError } from 'tessera-session'

export const CARRIERS = ['cookie', 'server', 'token'] as const
export const STORES = ['memory', 'sqlite', 'redis', 'postgres'] as const
export type CarrierName = (typeof CARRIERS)[number]
export type StoreName = (typeof STORES)[number]

/** The environment variable holding the session key (base64url, at least 32 bytes). */
export const SESSION_KEY_VARIABLE = 'TESSERA_SESSION_KEY'
/** Optional previous key, still accepted for verification while keys rotate. */
export const PREVIOUS_KEY_VARIABLE = 'TESSERA_SESSION_KEY_PREVIOUS'
const MIN_KEY_BYTES = 32
const DEV_KEY_FILE = 'dev-session-key'

/** One secret with its id, as `session({ keys })` takes it. */
export interface SessionKey {
  readonly id: string
  readonly key: Buffer
}

/** Where the store and accounts live. */
export interface StoreConfig {
  readonly store: StoreName
  readonly dataDir: string
  readonly redisUrl: string | undefined
  readonly databaseUrl: string | undefined
}

/** Everything the app needs to start. */
export interface AppConfig extends StoreConfig {
  readonly carrier: CarrierName
  readonly host: string
  readonly port: number
  /** Newest first. */
  readonly keys: readonly SessionKey[]
  /** Where the key came from, for the startup line (never the key itself). */
  readonly keySource: string
  /** log2 of the scrypt cost N; 17 unless a test lowers it to run faster. */
  readonly scryptLogN: number
  /** Express's `trust proxy`: which proxies in front of the app to believe (see `trustProxyOption`). */
  readonly trustProxy: TrustProxy
}

/**
 * Which `X-Forwarded-*` headers to believe, in Express's `trust proxy` terms: `false` (none, the
 * default), a hop count (the nearest N proxies), or a comma-separated list of proxy addresses,
 * CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = false | number | string

/** The option definitions shared by `npm start`, `tessera serve` and the store commands. */
export const STORE_OPTIONS = {
  store: { type: 'string' },
  'data-dir': { type: 'string' },
} as const
export const SERVE_OPTIONS = {
  ...STORE_OPTIONS,
  carrier: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'trust-proxy': { type: 'string' },
} as const

type Env = Readonly<Record<string, string | undefined>>

function invalid(message: string): TesseraError {
  return new TesseraError('ERR_CONFIG_INVALID', message)
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw invalid(`${name} must be one of ${allowed.join(', ')}; got "${value}"`)
}

/** Reads --store, --data-dir, REDIS_URL and DATABASE_URL. */
export function storeConfig(
  values: { store?: string; 'data-dir'?: string },
  env: Env,
): StoreConfig {
  const store = oneOf('--store', values.store ?? env.TESSERA_STORE ?? 'sqlite', STORES)
  const redisUrl = env.REDIS_URL || undefined
  const databaseUrl = env.DATABASE_URL || undefined
  if (store === 'redis' && redisUrl === undefined) throw invalid('--store redis needs REDIS_URL')
  if (store === 'postgres' && databaseUrl === undefined) {
    throw invalid('--store postgres needs DATABASE_URL')
  }
  const dataDir = path.resolve(values['data-dir'] ?? env.TESSERA_DATA_DIR ?? 'data')
  return { store, dataDir, redisUrl, databaseUrl }
}

/** Parses `argv` (without the command name) and the environment into the app's config. */
export function loadConfig(argv: readonly string[], env: Env): AppConfig {
  const { values } = parseArgs({ args: [...argv], options: SERVE_OPTIONS, strict: true })
  const carrier = oneOf('--carrier', values.carrier ?? env.TESSERA_CARRIER ?? 'server', CARRIERS)
  const portText = values.port ?? env.PORT ?? '3000'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw invalid(`--port must be an integer from 0 to 65535; got "${portText}"`)
  }
  const host = values.host ?? env.HOST ?? '127.0.0.1'
  const stores = storeConfig(values, env)
  const { keys, source } = loadSessionKeys(env, stores.dataDir)
  const logN = Number(env.TESSERA_SCRYPT_LOG_N ?? '17')
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) {
    throw invalid(`TESSERA_SCRYPT_LOG_N must be an integer from 10 to 20; got "${logN}"`)
  }
  const trustProxy = trustProxyOption(values['trust-proxy'] ?? env.TESSERA_TRUST_PROXY)
  return { ...stores, carrier, host, port, keys, keySource: source, scryptLogN: logN, trustProxy }
}

const PROXY_NAMES: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal'])
const MAX_PROXY_HOPS = 32

/** True for a dotted IPv4 netmask whose one bits are all on the left (255.255.240.0). */
function isIpv4Mask(text: string): boolean {
  if (isIP(text) !== 4) return false
  const bits = text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
  const inverted = 2 ** 32 - 1 - bits
  return (inverted & (inverted + 1)) === 0
}

/** One entry of a `trust proxy` list: a name, an address, or address/prefix (or /netmask). */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true
  const [address = '', range, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (range === undefined) return true
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128)
  return family === 4 && isIpv4Mask(range)
}

/**
 * Parses `--trust-proxy` (or TESSERA_TRUST_PROXY) in Express's `trust proxy` syntax. Unset, empty
 * or `false`: trust no proxy. A number from 1 to 32: the nearest that many proxies. Otherwise a
 * comma-separated list of proxy addresses, CIDR ranges and `loopback`, `linklocal`,
 * `uniquelocal`. `true` is refused: it would believe the first address of `X-Forwarded-For`,
 * which the client writes, so any client could pick its own address and escape the throttle.
 */
export function trustProxyOption(text: string | undefined): TrustProxy {
  const value = (text ?? '').trim()
  if (value === '' || value === 'false') return false
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    if (hops >= 1 && hops <= MAX_PROXY_HOPS) return hops
    throw invalid(`--trust-proxy hop count must be from 1 to ${MAX_PROXY_HOPS}; got "${value}"`)
  }
  if (value === 'true') {
    throw invalid(
      '--trust-proxy true would let any client choose its own address (and escape the sign-in ' +
        'throttle) by sending X-Forwarded-For; give the number of proxies in front of the app, ' +
        'or their addresses',
    )
  }
  const entries = value.split(',').map((entry) => entry.trim())
  const bad = entries.find((entry) => !isProxyEntry(entry))
  if (bad !== undefined) {
    throw invalid(
      '--trust-proxy must be a hop count or a comma-separated list of proxy addresses, CIDR ' +
        `ranges, loopback, linklocal or uniquelocal; "${bad.slice(0, 60)}" is none of these`,
    )
  }
  return entries.join(', ')
}

/** The reference app's id for a key: derived from it, so rotating keys never reuses an id. */
export function derivedKeyId(key: Buffer): string {
  // A stable id derived from the key, so rotating keys never reuses an id.
  return 'k-' + createHash('sha256').update(key).digest('base64url').slice(0, 8)
}

/** Decodes a key read from `variable` (or a file); the error names where it came from. */
export function decodeKey(variable: string, text: string): Buffer {
  // base64url or standard base64 (openssl rand -base64 32): the alphabets differ only in -_ / +/.
  const trimmed = text.trim()
  const key = /^[A-Za-z0-9_-]+$|^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)
    ? Buffer.from(trimmed, 'base64')
    : null
  if (key === null || key.length < MIN_KEY_BYTES) {
    throw invalid(
      `${variable} must be base64url (or base64) of at least ${MIN_KEY_BYTES} random bytes ` +
        `(got ${key === null ? 'text that is neither' : `${key.length} bytes`}); ` +
        'make one with: tessera key generate',
    )
  }
  return key
}

/**
 * The session keys: from TESSERA_SESSION_KEY (and _PREVIOUS) when set; otherwise, outside
 * production, a development key created under the data directory (mode 0600) and reused.
 * With NODE_ENV=production a missing key is an error naming the variable to set.
 */
export function loadSessionKeys(env: Env, dataDir: string): { keys: SessionKey[]; source: string } {
  const current = env[SESSION_KEY_VARIABLE]
  if (current !== undefined && current !== '') {
    const keys = [decodeKey(SESSION_KEY_VARIABLE, current)]
    const previous = env[PREVIOUS_KEY_VARIABLE]
    if (previous !== undefined && previous !== '') {
      keys.push(decodeKey(PREVIOUS_KEY_VARIABLE, previous))
    }
    return {
      keys: keys.map((key) => ({ id: derivedKeyId(key), key })),
      source: SESSION_KEY_VARIABLE,
    }
  }
  if (env.NODE_ENV === 'production') {
    throw invalid(
      `NODE_ENV=production needs a session key from the environment: set ${SESSION_KEY_VARIABLE} ` +
        '(base64url, at least 32 random bytes; make one with: tessera key generate)',
    )
  }
  const file = path.join(dataDir, DEV_KEY_FILE)
  const key = readOrCreateDevKey(file)
  return { keys: [{ id: derivedKeyId(key), key }], source: `development key file ${file}` }
}

/** The development key file's path under a data directory. */
export function devKeyPath(dataDir: string): string {
  return path.join(dataDir, DEV_KEY_FILE)
}

function readOrCreateDevKey(file: string): Buffer {
  try {
    return decodeKey(file, readFileSync(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const key = randomBytes(32)
  // 'wx' fails if another process created it first; then read theirs.
  try {
    writeFileSync(file, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' })
    chmodSync(file, 0o600)
    return key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return decodeKey(file, readFileSync(file, 'utf8'))
  }
}
