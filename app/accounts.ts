// Accounts: usernames and scrypt password hashes, kept where the sessions are (in memory, in
// SQLite under the data directory, in Redis or in PostgreSQL: app/accounts/), so that every
// instance sharing a store shares the accounts too. Verification costs the same whether or not
// the user exists. No repository is imported here: each loads with the store that needs it
// (app/stores.ts), so a command that opens no SQLite never loads its driver.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import path from 'node:path'
import { guarded } from './backend-calls.js'

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

/** The path of the accounts database under a data directory. */
export function accountsDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'accounts.db')
}
