// Accounts: usernames and scrypt password hashes, in SQLite under the data directory or in
// memory. Verification costs the same whether or not the user exists.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

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

/** Where accounts are kept. */
export interface AccountRepository {
  findByUsername(username: string): Account | undefined
  findById(id: string): Account | undefined
  insert(account: Account): boolean
  updateHash(id: string, passwordHash: string): void
  close(): void
}

/** Registration and password checks over a repository. */
export interface Accounts {
  /** Creates an account; null when the username is taken. */
  register(username: string, password: string): Promise<Account | null>
  /** The account when the password matches, else null; unknown users take as long as known ones. */
  verify(username: string, password: string): Promise<Account | null>
  findById(id: string): Account | undefined
  findByUsername(username: string): Account | undefined
  close(): void
}

/** NFKC, so that the same visible name always maps to the same account (IN-6). */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC')
}

function scryptAsync(password: string, salt: Buffer, logN: number): Promise<Buffer> {
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
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await scryptAsync(password, salt, logN)
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
  const actual = await scryptAsync(password, Buffer.from(saltText, 'base64url'), cost)
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected)
  const needsRehash = cost !== logN || Number(r) !== SCRYPT_R || Number(p) !== SCRYPT_P
  return { ok, needsRehash }
}

/** Accounts over a repository, hashing with scrypt N = 2^logN, r = 8, p = 1. */
export async function createAccounts(repo: AccountRepository, logN: number): Promise<Accounts> {
  // Verified against when the user does not exist, so that costs the same work (EH-3, PW-2).
  const dummyHash = await hashPassword(randomBytes(16).toString('base64url'), logN)
  return {
    async register(rawUsername, password) {
      const username = normalizeUsername(rawUsername)
      if (repo.findByUsername(username) !== undefined) return null
      const account: Account = {
        id: randomUUID(),
        username,
        passwordHash: await hashPassword(password, logN),
        createdAt: Date.now(),
      }
      return repo.insert(account) ? account : null
    },
    async verify(rawUsername, password) {
      const account = repo.findByUsername(normalizeUsername(rawUsername))
      const result = await verifyPassword(password, account?.passwordHash ?? dummyHash, logN)
      if (account === undefined || !result.ok) return null
      if (result.needsRehash) repo.updateHash(account.id, await hashPassword(password, logN))
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
    findByUsername: (username) => byName.get(username),
    findById: (id) => byId.get(id),
    insert(account) {
      if (byName.has(account.username)) return false
      byId.set(account.id, account)
      byName.set(account.username, account)
      return true
    },
    updateHash(id, passwordHash) {
      const account = byId.get(id)
      if (account === undefined) return
      const updated = { ...account, passwordHash }
      byId.set(id, updated)
      byName.set(account.username, updated)
    },
    close() {},
  }
}

interface AccountRow {
  id: string
  username: string
  password_hash: string
  created_at: number
}

function fromRow(row: AccountRow | undefined): Account | undefined {
  return row === undefined
    ? undefined
    : {
        id: row.id,
        username: row.username,
        passwordHash: row.password_hash,
        createdAt: row.created_at,
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
    findByUsername: (username) => fromRow(byName.get(username)),
    findById: (id) => fromRow(byId.get(id)),
    insert: (a) => insert.run(a.id, a.username, a.passwordHash, a.createdAt).changes === 1,
    updateHash: (id, hash) => void update.run(hash, id),
    close: () => db.close(),
  }
}
