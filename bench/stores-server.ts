// One server of the distributed-stores benchmark, in its own process (bench/stores.ts drives
// it). Prints its port once listening. Argument: the contender, and for stores a namespace
// (Redis key prefix or PostgreSQL schema). Every contender serves the same two routes:
//   GET /login    signs in (one session per load-generator connection)
//   GET /profile  an authenticated page that increments a counter in the session
import express, { type RequestHandler } from 'express'
import expressSession from 'express-session'
import { RedisStore } from 'connect-redis'
import connectPgSimple from 'connect-pg-simple'
import pg from 'pg'
import { createClient } from 'redis'
import { session, type ExpressSessionOptions } from '../src/adapters/express.js'
import { createPostgresStore } from '../src/stores/postgres.js'
import { createRedisStore } from '../src/stores/redis.js'

const [contender, namespace = 'bench'] = process.argv.slice(2)
const KEY = Buffer.alloc(32, 7).toString('base64url') // a throwaway benchmark key

async function redisClient() {
  const client = createClient({ url: process.env.REDIS_URL! })
  client.on('error', () => {})
  await client.connect()
  return client
}

function pgPool() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10 })
  pool.on('error', () => {})
  return pool
}

async function tesseraApp(options: ExpressSessionOptions) {
  const app = express()
  app.use(session(options))
  app.get('/login', async (req, res) => {
    await req.session.login('alice')
    res.send('ok')
  })
  app.get('/profile', (req, res) => {
    if (req.session.userId === null) return void res.status(401).send('anonymous')
    const data = req.session.data as { views?: number }
    data.views = (data.views ?? 0) + 1
    res.json({ user: req.session.userId, views: data.views })
  })
  return app
}

function expressSessionApp(store: expressSession.Store) {
  const app = express()
  app.use(
    expressSession({
      store,
      secret: KEY,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }) as RequestHandler,
  )
  // tessera's types claim req.session globally; here it is express-session's.
  type Legacy = expressSession.Session & { user?: string; views?: number }
  const legacy = (req: express.Request) => (req as unknown as { session: Legacy }).session
  app.get('/login', (req, res) => {
    legacy(req).regenerate(() => {
      legacy(req).user = 'alice'
      res.send('ok')
    })
  })
  app.get('/profile', (req, res) => {
    const s = legacy(req)
    if (s.user === undefined) return void res.status(401).send('anonymous')
    s.views = (s.views ?? 0) + 1
    res.json({ user: s.user, views: s.views })
  })
  return app
}

async function build(): Promise<express.Express> {
  const keys = [{ id: 'bench', key: KEY }]
  switch (contender ?? '') {
    case 'bare': {
      const app = express()
      let views = 0
      app.get('/login', (_req, res) => void res.send('ok'))
      app.get('/profile', (_req, res) => void res.json({ user: 'alice', views: ++views }))
      return app
    }
    case 'tessera-redis':
      return tesseraApp({
        carrier: 'server',
        keys,
        store: createRedisStore({ client: await redisClient(), prefix: `${namespace}:` }),
      })
    case 'tessera-postgres':
      return tesseraApp({
        carrier: 'server',
        keys,
        store: createPostgresStore({ pool: pgPool(), schema: namespace }),
      })
    case 'express-session-redis':
      return expressSessionApp(
        new RedisStore({ client: await redisClient(), prefix: `${namespace}:sess:` }),
      )
    case 'express-session-pg': {
      const PgStore = connectPgSimple(expressSession)
      return expressSessionApp(
        new PgStore({ pool: pgPool(), schemaName: namespace, createTableIfMissing: true }),
      )
    }
    default:
      throw new Error(`unknown contender ${contender}`)
  }
}

const app = await build()
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
