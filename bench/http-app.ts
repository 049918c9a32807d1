// One server under test for bench/http.ts (npm run bench:http), in its own process:
//   node dist/bench/http-app.js <app> <data dir> [namespace]
// It listens on 127.0.0.1 (a free port), prints "PORT <n>", and answers any IPC message with its
// process.cpuUsage(). Every app serves the same routes:
//   POST /login    signs "alice" in (a fresh session) and redirects (303) to /profile
//   GET  /profile  signed in: increments a counter in the session, answers "welcome alice: <n>"
//   GET  /read     signed in: reads the session only, answers "welcome alice"
//   GET  /plain    never touches the session, answers "hello"
// A route an app has no session for answers 401, which the bench counts as an error. Peer
// libraries are loaded with import() of a computed name, so their type augmentations of Express
// (express-session, cookie-session) never meet tessera's.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { type Express, type Request, type RequestHandler, type Response } from 'express'
import pg from 'pg'
import { createClient } from 'redis'
import { session, type ExpressSessionOptions } from '../src/adapters/express.js'
import { parseCookie } from '../src/cookie/codec.js'
import { createMemoryStore } from '../src/stores/memory.js'
import { createPostgresStore } from '../src/stores/postgres.js'
import { createRedisStore } from '../src/stores/redis.js'
import { createSqliteStore } from '../src/stores/sqlite.js'
import { serveForBench } from './carrier-server.js'

/** The apps, by the name bench/http.ts starts them with. */
export const APPS = [
  'bare',
  'noop-middleware',
  'floor-memory',
  'floor-sqlite',
  'floor-postgres',
  'floor-redis',
  'floor-cookie',
  'floor-token',
  'floor-login',
  'tessera-memory',
  'tessera-sqlite',
  'tessera-redis',
  'tessera-postgres',
  'tessera-cookie',
  'tessera-token',
  'express-session-memory',
  'express-session-sqlite',
  'connect-redis',
  'connect-pg-simple',
  'cookie-session',
  'iron-session',
  'jsonwebtoken',
  'fast-jwt',
] as const
export type App = (typeof APPS)[number]

// Throwaway secrets for a benchmark on loopback; never real ones.
const SECRET = 'b'.repeat(32) + 'c'.repeat(32)
const KEYS = [{ id: 'bench', key: Buffer.alloc(32, 7) }]
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

interface Counter {
  username?: string
  count?: number
}
type Peer = Record<string, unknown> & { default?: unknown }
type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => void

async function peer(name: string): Promise<Peer> {
  return (await import(name)) as Peer
}

const answer = {
  profile: (res: Response, s: Counter | undefined) =>
    s?.username === undefined
      ? void res.status(401).send('please log in')
      : void res.send(`welcome ${s.username}: ${s.count ?? 0}`),
  read: (res: Response, username: unknown) =>
    typeof username === 'string'
      ? void res.send(`welcome ${username}`)
      : void res.status(401).send('please log in'),
}

function plain(app: Express): void {
  app.get('/plain', (_req, res) => void res.send('hello'))
}

/** tessera's server, cookie or token carrier under the common routes. */
function tessera(options: ExpressSessionOptions<Counter>): Express {
  const app = express()
  const sessions = session<Counter>(options)
  app.use(sessions)
  plain(app)
  app.post('/login', async (req, res) => {
    await sessions.of(req).login('alice', { data: { username: 'alice' } })
    res.redirect(303, '/profile')
  })
  app.get('/profile', async (req, res) => {
    const s = sessions.of(req)
    if (s.userId === null) return answer.profile(res, undefined)
    await s.update((d) => {
      d.count = (d.count ?? 0) + 1
    })
    answer.profile(res, s.data)
  })
  app.get('/read', (req, res) => answer.read(res, sessions.of(req).data.username))
  // The counter as a plain assignment, committed by the adapter before the answer leaves (the
  // frameworks benchmark's route); the floor serves the same path as its /profile.
  app.get('/assign', (req, res) => {
    const s = sessions.of(req)
    if (s.userId === null) return answer.profile(res, undefined)
    s.data.count = (s.data.count ?? 0) + 1
    answer.profile(res, s.data)
  })
  return app
}

/**
 * The hand-written floor of a server session: read the cookie, SHA-256 the id, look the record up,
 * check the version, write the counter back, answer. `records` is a Map, or SQLite with one
 * transaction per request.
 */
function floor(records: FloorRecords): Express {
  const app = express()
  plain(app)
  app.post('/login', (_req, res) => {
    const id = randomBytes(32).toString('base64url')
    records.create(sha256(id), { username: 'alice', version: 1, count: 0 })
    res.setHeader('Set-Cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`)
    res.redirect(303, '/profile')
  })
  // A signed-in page must not be cached (tessera sends the same header): part of the floor.
  app.get(['/profile', '/assign'], (req, res) => {
    const idHash = sidHash(req)
    const next = idHash === undefined ? undefined : records.increment(idHash)
    if (next !== undefined) res.setHeader('Cache-Control', 'no-store')
    answer.profile(res, next)
  })
  app.get('/read', (req, res) => {
    const idHash = sidHash(req)
    const username = idHash === undefined ? undefined : records.get(idHash)?.username
    if (username !== undefined) res.setHeader('Cache-Control', 'no-store')
    answer.read(res, username)
  })
  return app
}

interface FloorRecord {
  username: string
  version: number
  count: number
}
interface FloorRecords {
  create(idHash: string, r: FloorRecord): void
  get(idHash: string): FloorRecord | undefined
  /** Compare-and-set of count + 1; the record as written, or undefined when absent. */
  increment(idHash: string): FloorRecord | undefined
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** The SHA-256 of the floor's session id cookie (`sid`), or undefined without one. */
function sidHash(req: Request): string | undefined {
  const sid = parseCookie(req.headers.cookie ?? '').sid
  return sid === undefined ? undefined : sha256(sid)
}

/** The read-only page of a floor whose records are found asynchronously (PostgreSQL, Redis). */
function floorReadRoute(
  app: Express,
  find: (idHash: string) => Promise<{ record: FloorRecord } | undefined>,
): void {
  app.get('/read', async (req, res) => {
    const id = sidHash(req)
    const found = id === undefined ? undefined : await find(id)
    if (found !== undefined) res.setHeader('Cache-Control', 'no-store')
    answer.read(res, found?.record.username)
  })
}

function mapRecords(): FloorRecords {
  const map = new Map<string, string>()
  const get = (idHash: string) => {
    const json = map.get(idHash)
    return json === undefined ? undefined : (JSON.parse(json) as FloorRecord)
  }
  return {
    create: (idHash, r) => void map.set(idHash, JSON.stringify(r)),
    get,
    increment(idHash) {
      const r = get(idHash)
      if (r === undefined) return undefined
      const next = { ...r, version: r.version + 1, count: r.count + 1 }
      if (get(idHash)?.version !== r.version) return undefined // no await between: never
      map.set(idHash, JSON.stringify(next))
      return next
    },
  }
}

async function sqliteRecords(file: string): Promise<FloorRecords> {
  const Database = (await peer('better-sqlite3')).default as new (file: string) => {
    pragma(s: string): unknown
    exec(s: string): unknown
    prepare(s: string): { get(...a: unknown[]): unknown; run(...a: unknown[]): { changes: number } }
    transaction<T>(fn: () => T): () => T
  }
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE s (id TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL)')
  const select = db.prepare('SELECT data, version FROM s WHERE id = ?')
  const insert = db.prepare('INSERT INTO s (id, data, version) VALUES (?, ?, ?)')
  const update = db.prepare('UPDATE s SET data = ?, version = ? WHERE id = ? AND version = ?')
  const get = (idHash: string) => {
    const row = select.get(idHash) as { data: string; version: number } | undefined
    return row === undefined ? undefined : (JSON.parse(row.data) as FloorRecord)
  }
  return {
    create: (idHash, r) => void insert.run(idHash, JSON.stringify(r), r.version),
    get,
    increment: (idHash) =>
      db.transaction(() => {
        const r = get(idHash)
        if (r === undefined) return undefined
        const next = { ...r, version: r.version + 1, count: r.count + 1 }
        const written = update.run(JSON.stringify(next), next.version, idHash, r.version)
        return written.changes === 1 ? next : undefined
      })(),
  }
}

async function redisClient() {
  const client = createClient({ url: process.env.REDIS_URL! })
  client.on('error', () => {})
  await client.connect()
  return client
}

async function pgPool() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10 })
  pool.on('error', () => {})
  return pool
}

type LegacySession = Counter & {
  regenerate(cb: (err?: unknown) => void): void
  save(cb: (err?: unknown) => void): void
}

/** express-session (resave and saveUninitialized off) on the given store. */
async function expressSession(store: (session: Peer) => Promise<unknown> | unknown) {
  const expressSessionModule = await peer('express-session')
  const es = expressSessionModule.default as ((o: object) => Middleware) & Peer
  const app = express()
  app.use(
    es({
      store: await store(es),
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }) as RequestHandler,
  )
  const legacy = (req: Request) => (req as unknown as { session: LegacySession }).session
  plain(app)
  app.post('/login', (req, res, next) => {
    legacy(req).regenerate((err) => {
      if (err) return next(err)
      Object.assign(legacy(req), { username: 'alice' })
      legacy(req).save((err2) => (err2 ? next(err2) : res.redirect(303, '/profile')))
    })
  })
  app.get('/profile', (req, res) => {
    const s = legacy(req)
    if (s.username !== undefined) s.count = (s.count ?? 0) + 1
    answer.profile(res, s)
  })
  app.get('/read', (req, res) => answer.read(res, legacy(req).username))
  return app
}

/**
 * A session held whole in one cookie (the tutorial's JWT session, or a sealed cookie): `encode` at
 * login and on every counter update, `decode` on each request (undefined when refused). A
 * signed-in page is sent with `Cache-Control: no-store`, as tessera sends it.
 */
function cookieValueApp(
  encode: (claims: Counter) => string,
  decode: (value: string) => Counter | undefined,
): Express {
  const app = express()
  plain(app)
  const write = (res: Response, claims: Counter) =>
    res.cookie('token', encode(claims), { httpOnly: true, sameSite: 'lax', path: '/' })
  app.post('/login', (_req, res) => {
    write(res, { username: 'alice', count: 0 })
    res.redirect(303, '/profile')
  })
  const claims = (req: Request, res: Response) => {
    let c: Counter | undefined
    try {
      c = decode(parseCookie(req.headers.cookie ?? '').token ?? '')
    } catch {
      c = undefined
    }
    if (c?.username !== undefined) res.setHeader('Cache-Control', 'no-store')
    return c
  }
  app.get('/profile', (req, res) => {
    const c = claims(req, res)
    if (c?.username === undefined) return answer.profile(res, undefined)
    const next = { username: c.username, count: (c.count ?? 0) + 1 }
    write(res, next)
    answer.profile(res, next)
  })
  app.get('/read', (req, res) => answer.read(res, claims(req, res)?.username))
  return app
}

/** The least a token session does: HS256 over the claims with an expiry, checked on each read. */
function floorToken(): Express {
  const key = Buffer.alloc(32, 7)
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url') + '.'
  const mac = (input: string) => createHmac('sha256', key).update(input).digest()
  return cookieValueApp(
    (claims) => {
      const exp = Math.floor(Date.now() / 1000) + 600
      const input = header + Buffer.from(JSON.stringify({ ...claims, exp })).toString('base64url')
      return `${input}.${mac(input).toString('base64url')}`
    },
    (token) => {
      const dot = token.lastIndexOf('.')
      if (dot < 0 || !token.startsWith(header)) return undefined
      const signature = Buffer.from(token.slice(dot + 1), 'base64url')
      const expected = mac(token.slice(0, dot))
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
        return undefined
      const claims = JSON.parse(
        Buffer.from(token.slice(header.length, dot), 'base64url').toString(),
      ) as Counter & { exp: number }
      return claims.exp > Date.now() / 1000 ? claims : undefined
    },
  )
}

/** The least a sealed cookie does: AES-256-GCM with a random nonce, an expiry inside. */
function floorCookie(): Express {
  const key = Buffer.alloc(32, 7)
  return cookieValueApp(
    (claims) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const plaintext = JSON.stringify({ ...claims, exp: Date.now() + 600_000 })
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
    },
    (value) => {
      const sealed = Buffer.from(value, 'base64url')
      if (sealed.length < 29) return undefined
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12))
      decipher.setAuthTag(sealed.subarray(sealed.length - 16))
      const body = sealed.subarray(12, sealed.length - 16)
      const plaintext = Buffer.concat([decipher.update(body), decipher.final()]).toString()
      const claims = JSON.parse(plaintext) as Counter & { exp: number }
      return claims.exp > Date.now() ? claims : undefined
    },
  )
}

/**
 * The least a PostgreSQL server session does per counter update: one SELECT of the record by the
 * id's hash, then one compare-and-set UPDATE (the route's change is JavaScript, so it cannot be
 * folded into the statement), as named prepared statements on a pool.
 */
async function floorPostgres(namespace: string): Promise<Express> {
  const pool = await pgPool()
  const table = `"${namespace}".floor`
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${namespace}"`)
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, data text NOT NULL, version integer NOT NULL)`,
  )
  const select = { name: 'floor-select', text: `SELECT data, version FROM ${table} WHERE id = $1` }
  const update = {
    name: 'floor-update',
    text: `UPDATE ${table} SET data = $2, version = version + 1 WHERE id = $1 AND version = $3`,
  }
  const get = async (idHash: string) => {
    const { rows } = await pool.query<{ data: string; version: number }>({
      ...select,
      values: [idHash],
    })
    const row = rows[0]
    return row === undefined
      ? undefined
      : { record: JSON.parse(row.data) as FloorRecord, version: row.version }
  }
  const app = express()
  plain(app)
  app.post('/login', async (_req, res) => {
    const id = randomBytes(32).toString('base64url')
    const record: FloorRecord = { username: 'alice', version: 1, count: 0 }
    await pool.query(`INSERT INTO ${table} (id, data, version) VALUES ($1, $2, 1)`, [
      sha256(id),
      JSON.stringify(record),
    ])
    res.setHeader('Set-Cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`)
    res.redirect(303, '/profile')
  })
  app.get('/profile', async (req, res) => {
    const id = sidHash(req)
    const found = id === undefined ? undefined : await get(id)
    if (id === undefined || found === undefined) return answer.profile(res, undefined)
    const next = { ...found.record, count: found.record.count + 1 }
    const written = await pool.query({
      ...update,
      values: [id, JSON.stringify(next), found.version],
    })
    res.setHeader('Cache-Control', 'no-store')
    answer.profile(res, written.rowCount === 1 ? next : undefined)
  })
  floorReadRoute(app, get)
  return app
}

// KEYS[1] record; ARGV expected version, new version, JSON, expiry (epoch ms). 1 written, 0 not.
export const FLOOR_REDIS_CAS = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'j', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`
const FLOOR_IDLE_MS = 30 * 60_000

/**
 * The least a Redis server session does per counter update, with the client tessera uses: one
 * HMGET of the record (a hash: version, JSON) by the id's hash, then one compare-and-set script
 * by its SHA1 (EVALSHA) that writes the incremented counter and rolls the expiry forward. Redis
 * expires the record itself (PEXPIREAT), so a read needs no expiry check.
 */
async function floorRedis(namespace: string): Promise<Express> {
  const client = await redisClient()
  const sha = await client.scriptLoad(FLOOR_REDIS_CAS)
  const key = (idHash: string) => `${namespace}:floor:${idHash}`
  const get = async (idHash: string) => {
    const [v, j] = await client.hmGet(key(idHash), ['v', 'j'])
    return v == null || j == null ? undefined : { record: JSON.parse(j) as FloorRecord, v }
  }
  const app = express()
  plain(app)
  app.post('/login', async (_req, res) => {
    const id = randomBytes(32).toString('base64url')
    const k = key(sha256(id))
    const record: FloorRecord = { username: 'alice', version: 1, count: 0 }
    await client.hSet(k, { v: '1', j: JSON.stringify(record) })
    await client.pExpireAt(k, Date.now() + FLOOR_IDLE_MS)
    res.setHeader('Set-Cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`)
    res.redirect(303, '/profile')
  })
  app.get('/profile', async (req, res) => {
    const id = sidHash(req)
    const found = id === undefined ? undefined : await get(id)
    if (id === undefined || found === undefined) return answer.profile(res, undefined)
    const next = { ...found.record, count: found.record.count + 1 }
    const written = await client.evalSha(sha, {
      keys: [key(id)],
      arguments: [
        found.v,
        String(Number(found.v) + 1),
        JSON.stringify(next),
        String(Date.now() + FLOOR_IDLE_MS),
      ],
    })
    res.setHeader('Cache-Control', 'no-store')
    answer.profile(res, written === 1 ? next : undefined)
  })
  floorReadRoute(app, get)
  return app
}

/**
 * The least a login does (the login row): nothing to parse and no credentials to check, as in the
 * bare app's POST /login and tessera's route; a fresh 256-bit random id, its SHA-256 as the key, a
 * `Map` insert of the record with its expiry (tessera's default idle timeout, 30 min), Set-Cookie
 * with tessera's name and attributes, `Cache-Control: no-store` (tessera sends it on sign-in), 303.
 */
function floorLogin(): Express {
  const sessions = new Map<string, { userId: string; data: Counter; expiresAt: number }>()
  const app = express()
  plain(app)
  app.post('/login', (_req, res) => {
    const id = randomBytes(32).toString('base64url')
    const expiresAt = Date.now() + FLOOR_IDLE_MS
    sessions.set(sha256(id), { userId: 'alice', data: { username: 'alice' }, expiresAt })
    res.setHeader('Set-Cookie', `tessera=${id}; Path=/; HttpOnly; SameSite=Lax`)
    res.setHeader('Cache-Control', 'no-store')
    res.redirect(303, '/profile')
  })
  return app
}

function bareApp(before?: Middleware): Express {
  const bare = express()
  if (before !== undefined) bare.use(before)
  let count = 0
  plain(bare)
  bare.post('/login', (_req, res) => res.redirect(303, '/profile'))
  bare.get('/profile', (_req, res) => answer.profile(res, { username: 'alice', count: ++count }))
  bare.get('/read', (_req, res) => answer.read(res, 'alice'))
  return bare
}

async function build(app: App, dir: string, namespace: string): Promise<Express> {
  switch (app) {
    case 'bare':
      return bareApp() // the ceiling: the same answers with no session at all
    case 'noop-middleware':
      // bare behind one middleware that does nothing: what Express charges for any middleware.
      return bareApp((_req, _res, next) => next())
    case 'floor-memory':
      return floor(mapRecords())
    case 'floor-sqlite':
      return floor(await sqliteRecords(path.join(dir, 'floor.db')))
    case 'floor-postgres':
      return floorPostgres(namespace)
    case 'floor-redis':
      return floorRedis(namespace)
    case 'floor-cookie':
      return floorCookie()
    case 'floor-token':
      return floorToken()
    case 'floor-login':
      return floorLogin()
    case 'tessera-memory':
      return tessera({ carrier: 'server', keys: KEYS, store: createMemoryStore() })
    case 'tessera-sqlite':
      return tessera({
        carrier: 'server',
        keys: KEYS,
        store: createSqliteStore({ path: path.join(dir, 'tessera.db') }),
      })
    case 'tessera-redis':
      return tessera({
        carrier: 'server',
        keys: KEYS,
        store: createRedisStore({ client: await redisClient(), prefix: `${namespace}:` }),
      })
    case 'tessera-postgres':
      return tessera({
        carrier: 'server',
        keys: KEYS,
        store: createPostgresStore({ pool: await pgPool(), schema: namespace }),
      })
    case 'tessera-cookie':
      return tessera({ carrier: 'cookie', keys: KEYS })
    case 'tessera-token':
      return tessera({ carrier: 'token', keys: KEYS, store: createMemoryStore() })
    case 'express-session-memory':
      return expressSession((es) => new (es.MemoryStore as new () => object)())
    case 'express-session-sqlite':
      return expressSession(async (es) => {
        const file = path.join(repo, 'bench', 'express-session-sqlite.mjs')
        const { sqliteSessionStore } = (await import(file)) as {
          sqliteSessionStore(es: unknown): new (file: string) => object
        }
        return new (sqliteSessionStore(es))(path.join(dir, 'express-session.db'))
      })
    case 'connect-redis':
      return expressSession(async () => {
        const { RedisStore } = (await peer('connect-redis')) as unknown as {
          RedisStore: new (o: object) => object
        }
        return new RedisStore({ client: await redisClient(), prefix: `${namespace}:sess:` })
      })
    case 'connect-pg-simple':
      return expressSession(async (es) => {
        const connect = (await peer('connect-pg-simple')).default as (
          es: unknown,
        ) => new (o: object) => object
        const PgStore = connect(es)
        return new PgStore({
          pool: await pgPool(),
          schemaName: namespace,
          createTableIfMissing: true,
        })
      })
    case 'cookie-session': {
      const cookieSession = (await peer('cookie-session')).default as (o: object) => Middleware
      const cs = express()
      cs.use(cookieSession({ name: 'session', keys: [SECRET], httpOnly: true, sameSite: 'lax' }))
      type WithSession = Request & { session: Counter }
      plain(cs)
      cs.post('/login', (req, res) => {
        ;(req as WithSession).session.username = 'alice'
        res.redirect(303, '/profile')
      })
      cs.get('/profile', (req, res) => {
        const s = (req as WithSession).session
        if (s.username !== undefined) s.count = (s.count ?? 0) + 1
        answer.profile(res, s)
      })
      cs.get('/read', (req, res) => answer.read(res, (req as WithSession).session.username))
      return cs
    }
    case 'iron-session': {
      const { getIronSession } = (await peer('iron-session')) as unknown as {
        getIronSession(
          req: Request,
          res: Response,
          o: object,
        ): Promise<Counter & { save(): Promise<void> }>
      }
      const options = { password: SECRET, cookieName: 'iron' }
      const iron = express()
      plain(iron)
      iron.post('/login', async (req, res) => {
        const s = await getIronSession(req, res, options)
        s.username = 'alice'
        await s.save()
        res.redirect(303, '/profile')
      })
      iron.get('/profile', async (req, res) => {
        const s = await getIronSession(req, res, options)
        if (s.username !== undefined) {
          s.count = (s.count ?? 0) + 1
          await s.save()
        }
        answer.profile(res, s)
      })
      iron.get('/read', async (req, res) => {
        answer.read(res, (await getIronSession(req, res, options)).username)
      })
      return iron
    }
    case 'jsonwebtoken': {
      const jwt = (await peer('jsonwebtoken')).default as {
        sign(p: object, k: unknown, o: object): string
        verify(t: string, k: unknown, o: object): Counter
      }
      const key = createSecretKey(Buffer.from(SECRET))
      return cookieValueApp(
        (claims) => jwt.sign(claims, key, { expiresIn: '10m' }),
        (token) => jwt.verify(token, key, { algorithms: ['HS256'] }),
      )
    }
    case 'fast-jwt': {
      const { createSigner, createVerifier } = (await peer('fast-jwt')) as unknown as {
        createSigner(o: object): (p: object) => string
        createVerifier(o: object): (t: string) => Counter
      }
      return cookieValueApp(
        createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 600_000 }),
        createVerifier({ key: SECRET, algorithms: ['HS256'], cache: false }),
      )
    }
  }
}

async function main(): Promise<void> {
  const [app, dir = '.', namespace = 'bench'] = process.argv.slice(2)
  if (!(APPS as readonly string[]).includes(app ?? '')) {
    console.error(`usage: http-app.js <${APPS.join('|')}> <data dir> [namespace]`)
    process.exit(2)
  }
  serveForBench(await build(app as App, dir, namespace))
}

if (process.argv[1]?.endsWith('http-app.js')) await main()
