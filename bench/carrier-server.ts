// One server under test for bench/carriers.ts, run in its own process:
//   node dist/bench/carrier-server.js <variant>
// It listens on 127.0.0.1 (a free port), prints "PORT <n>", answers any IPC message with its
// process.cpuUsage(), and serves POST /login (signs in
// "alice") and GET /profile (an authenticated read: "welcome alice"). Peer libraries are loaded
// with import() of a computed name, so their type augmentations of Express (express-session,
// cookie-session) never meet tessera's.
import { createSecretKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import express, { type Express, type Request, type Response } from 'express'
import { parseCookie } from '../src/cookie/codec.js'
import { session } from '../src/adapters/express.js'
import { createMemoryStore } from '../src/stores/memory.js'

/** The variants, in the order the bench reports them. */
export const VARIANTS = [
  'express',
  'cookie-session',
  'iron-session',
  'jsonwebtoken-string',
  'jsonwebtoken-keyobject',
  'fast-jwt',
  'tessera-cookie',
  'tessera-token',
] as const
export type Variant = (typeof VARIANTS)[number]

// Throwaway secrets for a benchmark on loopback; never real ones.
const SECRET = 'b'.repeat(32) + 'c'.repeat(32)
const SESSION_KEY = Buffer.alloc(32, 11)
const NO_RENEWAL_DURING_BENCH = { touchIntervalSeconds: 3600, idleTimeoutSeconds: 7200 }

interface BenchData {
  username?: string
}

type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => void
type Peer = Record<string, unknown> & { default?: unknown }

async function peer(name: string): Promise<Peer> {
  return (await import(name)) as Peer
}

function welcome(res: Response, username: unknown): void {
  if (typeof username !== 'string') {
    res.status(401).send('please log in')
    return
  }
  res.send(`welcome ${username}`)
}

function cookieOf(req: Request, name: string): string | undefined {
  return parseCookie(req.headers.cookie ?? '')[name]
}

async function build(variant: Variant): Promise<Express> {
  const app = express()
  switch (variant) {
    case 'express': {
      // The ceiling: the same answer, no session at all.
      app.post('/login', (_req, res) => void res.send('ok'))
      app.get('/profile', (_req, res) => welcome(res, 'alice'))
      return app
    }
    case 'cookie-session': {
      const cookieSession = (await peer('cookie-session')).default as (o: object) => Middleware
      app.use(cookieSession({ name: 'session', keys: [SECRET], httpOnly: true, sameSite: 'lax' }))
      type WithSession = Request & { session: Record<string, unknown> }
      app.post('/login', (req, res) => {
        ;(req as WithSession).session.username = 'alice'
        res.send('ok')
      })
      app.get('/profile', (req, res) => welcome(res, (req as WithSession).session.username))
      return app
    }
    case 'iron-session': {
      const { getIronSession } = (await peer('iron-session')) as unknown as {
        getIronSession(
          req: Request,
          res: Response,
          o: object,
        ): Promise<Record<string, unknown> & { save(): Promise<void> }>
      }
      const options = { password: SECRET, cookieName: 'iron' }
      app.post('/login', async (req, res) => {
        const s = await getIronSession(req, res, options)
        s.username = 'alice'
        await s.save()
        res.send('ok')
      })
      app.get('/profile', async (req, res) => {
        welcome(res, (await getIronSession(req, res, options)).username)
      })
      return app
    }
    case 'jsonwebtoken-string':
    case 'jsonwebtoken-keyobject': {
      // The tutorial: jwt.sign on login into a cookie, jwt.verify on every request.
      const jwt = (await peer('jsonwebtoken')).default as {
        sign(p: object, k: unknown, o: object): string
        verify(t: string, k: unknown, o: object): Record<string, unknown>
      }
      const key = variant === 'jsonwebtoken-string' ? SECRET : createSecretKey(Buffer.from(SECRET))
      app.post('/login', (_req, res) => {
        const token = jwt.sign({ username: 'alice' }, key, { expiresIn: '10m' })
        res.cookie('token', token, { httpOnly: true, sameSite: 'lax' }).send('ok')
      })
      app.get('/profile', (req, res) => {
        try {
          const claims = jwt.verify(cookieOf(req, 'token') ?? '', key, { algorithms: ['HS256'] })
          welcome(res, claims.username)
        } catch {
          welcome(res, undefined)
        }
      })
      return app
    }
    case 'fast-jwt': {
      const { createSigner, createVerifier } = (await peer('fast-jwt')) as unknown as {
        createSigner(o: object): (p: object) => string
        createVerifier(o: object): (t: string) => Record<string, unknown>
      }
      const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 600_000 })
      const verify = createVerifier({ key: SECRET, algorithms: ['HS256'], cache: false })
      app.post('/login', (_req, res) => {
        res.cookie('token', sign({ username: 'alice' }), { httpOnly: true, sameSite: 'lax' })
        res.send('ok')
      })
      app.get('/profile', (req, res) => {
        try {
          welcome(res, verify(cookieOf(req, 'token') ?? '').username)
        } catch {
          welcome(res, undefined)
        }
      })
      return app
    }
    case 'tessera-cookie':
    case 'tessera-token': {
      // autocannon replays one fixed Cookie header and never takes the renewed one, so renewal
      // is pushed past the bench's length: otherwise every request after the first touch
      // interval would renew (re-seal or re-sign) again, which no browser makes a server do.
      const common = { keys: [{ id: 'bench-1', key: SESSION_KEY }], ...NO_RENEWAL_DURING_BENCH }
      const sessions =
        variant === 'tessera-cookie'
          ? session<BenchData>({ carrier: 'cookie', ...common })
          : session<BenchData>({ carrier: 'token', ...common, store: createMemoryStore() })
      app.use(sessions)
      app.post('/login', async (req, res) => {
        await sessions.of(req).login('alice', { data: { username: 'alice' } })
        res.send('ok')
      })
      app.get('/profile', (req, res) => welcome(res, sessions.of(req).data.username))
      return app
    }
  }
}

async function main(): Promise<void> {
  const variant = process.argv[2] as Variant
  if (!(VARIANTS as readonly string[]).includes(variant)) {
    console.error(`usage: carrier-server.js <${VARIANTS.join('|')}>`)
    process.exit(2)
  }
  serveForBench(await build(variant))
}

/**
 * Listens on a free port of 127.0.0.1, prints "PORT <n>", answers an IPC message with the
 * process's CPU time so far (the bench reports CPU per request: on a shared machine that is
 * steadier than requests per second), and closes on SIGTERM. The messages
 * `{ profile: 'start' }` and `{ profile: 'stop', file }` run V8's CPU profiler over just the
 * bursts that matter (bench/profile.ts) and write the profile to `file`.
 */
export function serveForBench(app: Express): void {
  const server = app.listen(0, '127.0.0.1', () => {
    console.log(`PORT ${(server.address() as AddressInfo).port}`)
  })
  let inspector: Session | undefined
  process.on('message', (message: { profile?: 'start' | 'stop'; file?: string }) => {
    void (async () => {
      if (message.profile === 'start') {
        inspector = new Session()
        inspector.connect()
        await inspector.post('Profiler.enable')
        await inspector.post('Profiler.start')
      } else if (message.profile === 'stop' && inspector !== undefined) {
        const { profile } = await inspector.post('Profiler.stop')
        writeFileSync(message.file!, JSON.stringify(profile))
        inspector.disconnect()
      }
      process.send?.(process.cpuUsage())
    })()
  })
  process.on('SIGTERM', () => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  })
}

if (process.argv[1]?.endsWith('carrier-server.js')) await main()
