// Accounts: usernames and scrypt password hashes, kept where the sessions are (in memory, in
// SQLite under the data directory, in Redis or in PostgreSQL), so that every instance sharing
// a store shares the accounts too. Verification costs the same whether or not the user exists.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Pool } from 'pg'
import { checkPostgresTable, guarded, postgresTableOnce, type RedisEval } from './backend-calls.js'

/** Limits checked before any hashing, so hashing cannot be used to exhaust the CPU. */
export const CREDENTIAL_LIMITS = {
  usernameMaxChars: 64,
  passwordMinChars: 8,
  passwordMaxChars: 256,
} as const

const SCRYPT_R = 8
const SCRYPT_P = 1
const HASH_BYTES = 32
const SALT_BYTES = 16

/** A stored account. */
export interface Account {
  readonly id: string
  readonly username: string
  readonly passwordHash: string
  readonly createdAt: number
}

/** Where accounts are kept; usernames are passed already normalised. */
export interface AccountRepository {
  findByUsername(username: string): Promise<Account | undefined>
  findById(id: string): Promise<Account | undefined>
  /** Adds the account; false (never an error) when its username is taken, even concurrently. */
  insert(account: Account): Promise<boolean>
  updateHash(id: string, passwordHash: string): Promise<void>
  /** Releases what the repository opened itself (not a client or pool it was given). */
  close(): Promise<void>
}

/** Registration and password checks over a repository. */
export interface Accounts {
  /**
   * Creates an account; null when the username is taken. The password is hashed either way,
   * so a taken name costs the same work as a new one and takes as long.
   */
  register(username: string, password: string): Promise<Account | null>
  /** The account when the password matches, else null; unknown users take as long as known ones. */
  verify(username: string, password: string): Promise<Account | null>
  findById(id: string): Promise<Account | undefined>
  findByUsername(username: string): Promise<Account | undefined>
  close(): Promise<void>
}

/** NFKC, so that the same visible name always maps to the same account (IN-6). */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC')
}

/**
 * The key derivation behind every password hash and check: `scryptKdf` in the app; a test
 * passes one that counts its calls, to prove how much work a request does.
 */
export type PasswordKdf = (password: string, salt: Buffer, logN: number) => Promise<Buffer>

/** scrypt with N = 2^logN, r = 8, p = 1, a 32-byte output. */
export const scryptKdf: PasswordKdf = (password, salt, logN) => {
  const N = 2 ** logN
  // scrypt needs 128 * N * r bytes; allow twice that.
  const maxmem = 256 * N * SCRYPT_R
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, { N, r: SCRYPT_R, p: SCRYPT_P, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

/** `scrypt$<logN>$<r>$<p>$<salt>$<hash>`: the parameters travel with the hash so they can change. */
export async function hashPassword(
  password: string,
  logN: number,
  kdf: PasswordKdf = scryptKdf,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await kdf(password, salt, logN)
  return [
    'scrypt',
    logN,
    SCRYPT_R,
    SCRYPT_P,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$')
}

/** Checks a password against a stored hash in constant time; says whether to rehash. */
export async function verifyPassword(
  password: string,
  stored: string,
  logN: number,
  kdf: PasswordKdf = scryptKdf,
): Promise<{ ok: boolean; needsRehash: boolean }> {
  const parts = stored.split('$')
  const [scheme, storedLogN, r, p, saltText, hashText] = parts
  if (
    parts.length !== 6 ||
    scheme !== 'scrypt' ||
    saltText === undefined ||
    hashText === undefined
  ) {
    return { ok: false, needsRehash: false }
  }
  const cost = Number(storedLogN)
  if (!Number.isInteger(cost) || cost < 10 || cost > 20) return { ok: false, needsRehash: false }
  const expected = Buffer.from(hashText, 'base64url')
  const actual = await kdf(password, Buffer.from(saltText, 'base64url'), cost)
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected)
  const needsRehash = cost !== logN || Number(r) !== SCRYPT_R || Number(p) !== SCRYPT_P
  return { ok, needsRehash }
}

/**
 * The repository with every call bounded (about 1 s) and failing with ERR_STORE_UNAVAILABLE
 * that names neither the user nor the driver's error, so that the app answers 503 (fail closed).
 */
export function guardedRepository(repo: AccountRepository): AccountRepository {
  const call = <T>(run: () => Promise<T>) => guarded('accounts', run)
  return {
    findByUsername: (username) => call(() => repo.findByUsername(username)),
    findById: (id) => call(() => repo.findById(id)),
    insert: (account) => call(() => repo.insert(account)),
    updateHash: (id, passwordHash) => call(() => repo.updateHash(id, passwordHash)),
    close: () => repo.close(),
  }
}

/** Accounts over a repository, hashing with scrypt N = 2^logN, r = 8, p = 1 (or `kdf`). */
export async function createAccounts(
  repository: AccountRepository,
  logN: number,
  kdf: PasswordKdf = scryptKdf,
): Promise<Accounts> {
  const repo = guardedRepository(repository)
  const hash = (password: string) => hashPassword(password, logN, kdf)
  // Verified against when the user does not exist, so that costs the same work (EH-3, PW-2).
  const dummyHash = await hash(randomBytes(16).toString('base64url'))
  return {
    async register(rawUsername, password) {
      // No lookup first: the insert refuses a taken name, after the same hashing as a new one.
      const account: Account = {
        id: randomUUID(),
        username: normalizeUsername(rawUsername),
        passwordHash: await hash(password),
        createdAt: Date.now(),
      }
      return (await repo.insert(account)) ? account : null
    },
    async verify(rawUsername, password) {
      const account = await repo.findByUsername(normalizeUsername(rawUsername))
      const stored = account?.passwordHash ?? dummyHash
      const result = await verifyPassword(password, stored, logN, kdf)
      if (account === undefined || !result.ok) return null
      if (result.needsRehash) await repo.updateHash(account.id, await hash(password))
      return account
    },
    findById: (id) => repo.findById(id),
    findByUsername: (username) => repo.findByUsername(normalizeUsername(username)),
    close: () => repo.close(),
  }
}

/** Accounts kept in process memory (with the memory store). */
export function memoryAccountRepository(): AccountRepository {
  const byId = new Map<string, Account>()
  const byName = new Map<string, Account>()
  return {
    findByUsername: async (username) => byName.get(username),
    findById: async (id) => byId.get(id),
    async insert(account) {
      if (byName.has(account.username) || byId.has(account.id)) return false
      byId.set(account.id, account)
      byName.set(account.username, account)
      return true
    },
    async updateHash(id, passwordHash) {
      const account = byId.get(id)
      if (account === undefined) return
      const updated = { ...account, passwordHash }
      byId.set(id, updated)
      byName.set(account.username, updated)
    },
    async close() {},
  }
}

interface AccountRow {
  id: string
  username: string
  password_hash: string
  /** pg gives bigints as strings. */
  created_at: number | string
}

function fromRow(row: AccountRow | undefined): Account | undefined {
  return row === undefined
    ? undefined
    : {
        id: row.id,
        username: row.username,
        passwordHash: row.password_hash,
        createdAt: Number(row.created_at),
      }
}

/** The path of the accounts database under a data directory. */
export function accountsDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'accounts.db')
}

/** Accounts in SQLite at `file` (created with its table on first use). */
export function sqliteAccountRepository(file: string): AccountRepository {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec(`CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`)
  const byName = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE username = ?')
  const byId = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?')
  const insert = db.prepare(
    'INSERT OR IGNORE INTO accounts (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)',
  )
  const update = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?')
  return {
    findByUsername: async (username) => fromRow(byName.get(username)),
    findById: async (id) => fromRow(byId.get(id)),
    insert: async (a) => insert.run(a.id, a.username, a.passwordHash, a.createdAt).changes === 1,
    updateHash: async (id, hash) => void update.run(hash, id),
    close: async () => void db.close(),
  }
}

/** The idempotent DDL of the accounts table (run on first use, or by `tessera migrate`). */
export function postgresAccountsTableSql(table: string): string {
  checkPostgresTable(table)
  return `CREATE TABLE IF NOT EXISTS "${table}" (
      id text PRIMARY KEY,
      username text UNIQUE NOT NULL,
      password_hash text NOT NULL,
      created_at bigint NOT NULL
    )`
}

/**
 * Accounts in a PostgreSQL table (created on first use, idempotently, even when several
 * instances start together), through a pool the caller owns.
 */
export function postgresAccountRepository(pool: Pool, table: string): AccountRepository {
  const ensureTable = postgresTableOnce(pool, table, postgresAccountsTableSql(table))
  const select = 'SELECT id, username, password_hash, created_at FROM'
  async function findBy(column: 'id' | 'username', value: string) {
    await ensureTable()
    const { rows } = await pool.query<AccountRow>(`${select} "${table}" WHERE ${column} = $1`, [
      value,
    ])
    return fromRow(rows[0])
  }
  return {
    findByUsername: (username) => findBy('username', username),
    findById: (id) => findBy('id', id),
    async insert(a) {
      await ensureTable()
      try {
        // A username taken meanwhile (another instance registering it) inserts nothing.
        const result = await pool.query(
          `INSERT INTO "${table}" (id, username, password_hash, created_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING`,
          [a.id, a.username, a.passwordHash, a.createdAt],
        )
        return result.rowCount === 1
      } catch (err) {
        // The same, should the conflict surface as an error (23505 unique_violation).
        if ((err as { code?: unknown } | null)?.code === '23505') return false
        throw err
      }
    },
    async updateHash(id, passwordHash) {
      await ensureTable()
      await pool.query(`UPDATE "${table}" SET password_hash = $1 WHERE id = $2`, [passwordHash, id])
    },
    close: async () => {},
  }
}

// KEYS[1] the username's key (its value: the id), KEYS[2] the account's hash; ARGV the account.
// Both keys or neither: two instances registering one username at once make exactly one account.
const REDIS_INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'username', ARGV[2], 'passwordHash', ARGV[3],
  'createdAt', ARGV[4])
return 1`
const REDIS_GET = `return redis.call('GET', KEYS[1])`
const REDIS_HGETALL = `return redis.call('HGETALL', KEYS[1])`
// KEYS[1] the account's hash; ARGV[1] the new password hash. An unknown id creates nothing.
const REDIS_UPDATE_HASH = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
end
return 1`

/** An account from HGETALL's flat [field, value, ...] reply; undefined when empty or partial. */
function fromRedisHash(reply: unknown): Account | undefined {
  if (!Array.isArray(reply)) return undefined
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]))
  const id = fields.get('id')
  const username = fields.get('username')
  const passwordHash = fields.get('passwordHash')
  const createdAt = fields.get('createdAt')
  if (id === undefined || username === undefined || passwordHash === undefined) return undefined
  return { id, username, passwordHash, createdAt: Number(createdAt) }
}

/**
 * Accounts in Redis through a client the caller owns: a hash per account
 * (`<prefix>{accounts}:id:<id>`) and a key per username holding the id
 * (`<prefix>{accounts}:name:<username>`), both written by one script. The `{accounts}` hash tag
 * puts every account key in one Redis Cluster slot, so that script may touch both keys there.
 */
export function redisAccountRepository(client: RedisEval, prefix: string): AccountRepository {
  const idKey = (id: string) => `${prefix}{accounts}:id:${id}`
  const nameKey = (username: string) => `${prefix}{accounts}:name:${username}`
  const run = (script: string, keys: string[], args: string[] = []) =>
    client.eval(script, { keys, arguments: args })
  const findById = async (id: string) => fromRedisHash(await run(REDIS_HGETALL, [idKey(id)]))
  return {
    async findByUsername(username) {
      // Accounts are never deleted, and the script writes the name key with the hash: an id
      // found here has its hash.
      const id = await run(REDIS_GET, [nameKey(username)])
      return typeof id === 'string' ? findById(id) : undefined
    },
    findById,
    async insert(a) {
      const args = [a.id, a.username, a.passwordHash, String(a.createdAt)]
      return (await run(REDIS_INSERT, [nameKey(a.username), idKey(a.id)], args)) === 1
    },
    async updateHash(id, passwordHash) {
      await run(REDIS_UPDATE_HASH, [idKey(id)], [passwordHash])
    },
    close: async () => {},
  }
}
