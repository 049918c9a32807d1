// Issue 16, clear failures: an unknown option is refused with ERR_CONFIG_INVALID naming it, and
// the tessera option that does its job (express-session's names) or the closest name. Before,
// every one of these was silently ignored.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import { session as expressSession } from '../../src/adapters/express.js'
import { session as fastifySession } from '../../src/adapters/fastify.js'
import { session as honoSession } from '../../src/adapters/hono.js'
import { session as koaSession } from '../../src/adapters/koa.js'
import { createSessions } from '../../src/adapters/web.js'
import { createKeyring } from '../../src/crypto/keyring.js'
import { isTesseraError } from '../../src/errors.js'
import { generateKey } from '../../src/jwt/generate.js'
import { exportJwks, importJwk } from '../../src/jwt/jwks.js'
import { signJws, signJwt } from '../../src/jwt/sign.js'
import { verifyJws, verifyJwt } from '../../src/jwt/verify.js'
import { createExpressSessionAdapter } from '../../src/stores/express-session.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createPostgresStore, migratePostgres } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'

const SECRET = randomBytes(32).toString('base64url')
const keys = [{ id: 'k', key: SECRET }]
const store = createMemoryStore({ sweepIntervalSeconds: 0 })
const base = { carrier: 'server' as const, keys, store }

/** Asserts that `fn` throws ERR_CONFIG_INVALID whose message matches every pattern. */
function refuses(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTesseraError(err, 'ERR_CONFIG_INVALID'), String(err))
    const message = (err as Error).message
    for (const pattern of patterns) assert.match(message, pattern)
    assert.ok(!message.includes(SECRET), 'the message shows a value')
    return true
  })
}

/** Every adapter's `session(...)`, as a function of its options (Fastify: the registration). */
const ADAPTERS: Record<string, (options: object) => unknown> = {
  express: (o) => expressSession(o as never),
  hono: (o) => honoSession(o as never),
  koa: (o) => koaSession(o as never),
  web: (o) => createSessions(o as never),
}

describe('an unknown option in an adapter’s session(...)', () => {
  for (const [name, create] of Object.entries(ADAPTERS)) {
    const where = name === 'web' ? /^createSessions\(\): / : /^session\(\): /
    it(`${name}: a typo is refused with the closest option`, () => {
      refuses(
        () => create({ ...base, idleTimeout: 600 }),
        where,
        /unknown option "idleTimeout"; did you mean "idleTimeoutSeconds"\?/,
      )
      refuses(() => create({ ...base, cookiename: 'sid' }), /did you mean "cookieName"\?/)
    })

    it(`${name}: express-session's names point to the tessera option that does the job`, () => {
      refuses(() => create({ ...base, secret: SECRET }), /"secret"/, /keys: \[\{ id, key \}\]/)
      refuses(
        () => create({ ...base, cookie: { maxAge: 60_000, sameSite: 'strict', httpOnly: true } }),
        /unknown option "cookie"/,
        /cookie\.maxAge → idleTimeoutSeconds/,
        /cookie\.sameSite → cookieSameSite/,
        /HttpOnly is always on/,
      )
      refuses(() => create({ ...base, resave: false }), /"resave"/, /not needed/)
      refuses(
        () => create({ ...base, saveUninitialized: false }),
        /never stores a visitor who wrote nothing/,
      )
      refuses(() => create({ ...base, rolling: true }), /touchIntervalSeconds/)
      refuses(() => create({ ...base, name: 'sid' }), /use cookieName/)
      refuses(() => create({ ...base, genid: () => 'x' }), /"genid"/, /256 random bits/)
      refuses(() => create({ ...base, unset: 'destroy' }), /"unset"/)
      refuses(() => create({ ...base, proxy: true }), /trust proxy/)
    })

    it(`${name}: an option of another carrier names its carrier`, () => {
      refuses(() => create({ ...base, maxChunks: 2 }), /"maxChunks": .*carrier 'cookie' only/)
    })

    it(`${name}: every documented option is accepted, and a known option set to undefined too`, () => {
      create({ ...base, idleTimeoutSeconds: undefined, clearSiteDataOnLogout: true })
      create({ carrier: 'cookie', keys, maxChunks: 2, cookieName: 'c', onEvent: () => {} })
      create({ carrier: 'token', keys, store, accept: 'bearer', refreshGraceSeconds: 0 })
    })
  }

  it('Express, Koa and Fastify: trustProxy names the framework’s own setting', () => {
    refuses(() => expressSession({ ...base, trustProxy: true } as never), /app\.set\('trust proxy'/)
    refuses(() => koaSession({ ...base, trustProxy: true } as never), /app\.proxy/)
    createSessions({ ...base, trustProxy: true })
    honoSession({ ...base, trustProxy: true })
  })

  it('Fastify: the registration fails with the same message', async () => {
    const app = Fastify()
    await assert.rejects(
      async () => {
        await app.register(fastifySession, { ...base, idleTimeout: 600 } as never)
        await app.ready()
      },
      (err: unknown) =>
        isTesseraError(err, 'ERR_CONFIG_INVALID') &&
        /^app\.register\(session, options\): unknown option "idleTimeout"; did you mean "idleTimeoutSeconds"\?/.test(
          (err as Error).message,
        ),
    )
    await app.close()
  })
})

describe('an unknown option of a store', () => {
  it('memory: the closest option', () => {
    refuses(
      () => createMemoryStore({ maxEntry: 10 } as never),
      /^createMemoryStore\(\): unknown option "maxEntry"; did you mean "maxEntries"\?/,
    )
  })

  it('sqlite: filename names path and database', () => {
    refuses(() => createSqliteStore({ filename: 'x.db' } as never), /"filename": use path/)
  })

  it('redis: url says to pass a client', () => {
    refuses(() => createRedisStore({ url: 'redis://x' } as never), /"url": pass client/)
  })

  it('postgres: connectionString says to pass a pool; migratePostgres too', async () => {
    refuses(
      () => createPostgresStore({ connectionString: 'postgres://x' } as never),
      /^createPostgresStore\(\): unknown option "connectionString": pass pool/,
    )
    await assert.rejects(
      migratePostgres({ pool: {}, tabel: 't' } as never),
      /migratePostgres\(\): unknown option "tabel"; did you mean "table"\?/,
    )
  })

  it('the express-session adapter: an unknown name lists the options', () => {
    refuses(
      () => createExpressSessionAdapter({ store: {}, timeout: 5 } as never),
      /createExpressSessionAdapter\(\): unknown option "timeout"; the options are store, keyPrefix/,
    )
  })
})

describe('an unknown option of the JWT functions', () => {
  const jwtKeys = [generateKey('EdDSA')]
  const token = signJwt({ sub: 'u' }, jwtKeys, { expiresInSeconds: 60 })

  it('signJwt, signJws, verifyJwt, verifyJws and importJwk name it', () => {
    refuses(
      () => signJwt({ sub: 'u' }, jwtKeys, { expiresIn: 60 } as never),
      /^signJwt\(\): unknown option "expiresIn"; did you mean "expiresInSeconds"\?/,
    )
    refuses(() => signJws('x', jwtKeys, { kid: 'a' } as never), /^signJws\(\): .*"kid"/)
    refuses(
      () => verifyJwt(token, jwtKeys, { audiance: 'api' } as never),
      /^verifyJwt\(\): unknown option "audiance"; did you mean "audience"\?/,
    )
    refuses(() => verifyJws(token, jwtKeys, { issuer: 'x' } as never), /^verifyJws\(\): .*"issuer"/)
    const [jwk] = exportJwks(jwtKeys).keys
    refuses(
      () => importJwk(jwk as never, { kid: 'a' } as never),
      /^importJwk\(\): unknown option "kid"; did you mean "id"\?/,
    )
  })

  it('the options they document still work', () => {
    assert.equal(verifyJwt(token, jwtKeys, { requireExp: true, now: new Date() }).payload.sub, 'u')
  })
})

describe('an unknown field of a key entry', () => {
  it('{ id, secret } says the secret goes in "key", without echoing it', () => {
    refuses(
      () => expressSession({ ...base, keys: [{ id: 'k', secret: SECRET } as never] }),
      /keys\[0\]: unknown option "secret"/,
      /"key"/,
    )
  })
  it('kid and algorithm name id and alg; a typo gets the closest field', () => {
    refuses(
      () => expressSession({ ...base, keys: [{ id: 'k', key: SECRET, kid: 'k' } as never] }),
      /"kid".*"id"/,
    )
    refuses(
      () =>
        expressSession({ ...base, keys: [{ id: 'k', key: SECRET, algorithm: 'HS256' } as never] }),
      /"algorithm".*"alg"/,
    )
    refuses(
      () => expressSession({ ...base, keys: [{ id: 'k', key: SECRET, algg: 'HS256' } as never] }),
      /did you mean "alg"/,
    )
  })
  it('the documented fields and generated key entries still work', () => {
    assert.equal(
      typeof expressSession({ ...base, keys: [{ id: 'k', key: SECRET, alg: undefined }] }),
      'function',
    )
    const entry = generateKey('EdDSA')
    assert.equal(createKeyring([entry]).primary, entry, 'a KeyEntry passes as it is')
  })
})

describe('the cookie package\u2019s attribute names on session()', () => {
  it('domain, path, sameSite and partitioned name the cookie-prefixed option', () => {
    for (const [name, option] of [
      ['domain', 'cookieDomain'],
      ['path', 'cookiePath'],
      ['sameSite', 'cookieSameSite'],
      ['partitioned', 'cookiePartitioned'],
    ] as const) {
      refuses(
        () => expressSession({ ...base, [name]: 'x' } as never),
        new RegExp(`"${name}".*"${option}"`),
      )
    }
  })
})
