// Builds the reference app: one Express app, the same routes for every carrier and store.
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express'
import { isTesseraError, type Clock, type Store, type TesseraErrorCode } from 'tessera-session'
import { csrf, session } from 'tessera-session/express'
import { createAccounts, type AccountRepository, type PasswordKdf } from './accounts.js'
import type { AppConfig } from './config.js'
import { createDeviceCookies } from './device.js'
import { healthRoutes } from './routes/health.js'
import { inspectRoutes } from './routes/inspect.js'
import { loginRoutes } from './routes/login.js'
import { logoutRoutes } from './routes/logout.js'
import { profileRoutes } from './routes/profile.js'
import { registerRoutes } from './routes/register.js'
import { sessionsRoutes } from './routes/sessions.js'
import type { AppContext, EventLog } from './routes/context.js'
import { openStore } from './stores.js'
import {
  createLoginThrottle,
  createSessionGuessThrottle,
  DEFAULT_THROTTLE_POLICY,
  type SessionGuessThrottle,
  type ThrottleBackend,
  type ThrottlePolicy,
} from './throttle.js'
import { errorPage } from './views/error.js'
import { STYLESHEET } from './views/layout.js'

/** Session timeouts of the reference app (TO-1, TO-2): 30 min idle, 12 h absolute. */
export const SESSION_TIMEOUTS = {
  idleTimeoutSeconds: 30 * 60,
  absoluteTimeoutSeconds: 12 * 60 * 60,
  touchIntervalSeconds: 60,
} as const
/** The login form needs far less; everything larger is refused with 413 (IN-2). */
export const BODY_LIMIT = '10kb'

/** The app, not yet listening, and how to release what it opened. */
export interface AppServer {
  readonly app: express.Express
  /** The session store the app opened (tests count what anonymous visits leave in it). */
  readonly store: Store
  close(): Promise<void>
}

/** Test seams: a tighter throttle policy or another backend for it or the accounts, a quieter log. */
export interface CreateServerOptions {
  readonly throttlePolicy?: ThrottlePolicy
  /** Default: the store's own (see `OpenStore.throttleBackend`). */
  readonly throttleBackend?: ThrottleBackend
  /** Default: the store's own (see `OpenStore.accountRepository`); the caller closes it. */
  readonly accountRepository?: AccountRepository
  readonly log?: EventLog
  /** Seconds after sign-in during which revoking sessions needs no password; default 300. */
  readonly recentAuthSeconds?: number
  /** The key derivation of password hashes and checks; default scrypt (a test counts calls). */
  readonly passwordKdf?: PasswordKdf
  /**
   * The session middleware's clock; default `Date`. A test moves it past the refresh grace
   * window instead of sleeping through it.
   */
  readonly clock?: Clock
}

function logToStdout(entry: Readonly<Record<string, unknown>>): void {
  console.log(JSON.stringify(entry))
}

const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'"

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    // Every page may show who is signed in: nothing is cached (CK-9).
    'Cache-Control': 'no-store',
  })
  next()
}

/** Refuses bodies this app never reads: only forms are accepted (415). */
function formsOnly(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length']
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  if (hasBody && !req.is('application/x-www-form-urlencoded')) {
    next(Object.assign(new Error('unsupported content type'), { status: 415 }))
    return
  }
  next()
}

// Refusals that say a client sent a session cookie this app never issued (or edited one): what
// guessing ids looks like. An expired session, a cross-site request or a store outage is not.
const GUESS_CODES: ReadonlySet<TesseraErrorCode> = new Set<TesseraErrorCode>([
  'ERR_SESSION_NOT_FOUND',
  'ERR_TOKEN_MALFORMED',
  'ERR_SIGNATURE_INVALID',
  'ERR_JWT_ALG_NOT_ALLOWED',
  'ERR_JWT_CLAIM_INVALID',
])

/** Whether the session cookie of the request being loaded was refused as a guess would be. */
const refusedAsGuess = new AsyncLocalStorage<{ refused: boolean }>()

/** For `onReject`: marks the request being loaded when its refusal looks like guessing. */
function noteRefusal(code: TesseraErrorCode): void {
  const seen = refusedAsGuess.getStore()
  if (seen !== undefined && GUESS_CODES.has(code)) seen.refused = true
}

/**
 * Runs the session middleware, then slows down guessing (BF-3): a request whose session cookie
 * was refused as a guess is counted against its IP, or, once that IP is past its free refusals,
 * answered 429 with `Retry-After`. Only such requests: a valid session from the same address (a
 * neighbour behind the same NAT or proxy, or the attacker's victim) is served as always, and a
 * request without a session cookie goes through.
 */
function throttleGuesses(
  ctx: AppContext,
  guesses: SessionGuessThrottle,
  sessions: RequestHandler,
): RequestHandler {
  return (req, res, next) => {
    const seen = { refused: false }
    void refusedAsGuess.run(seen, () =>
      sessions(req, res, (err?: unknown) => {
        if (err !== undefined || !seen.refused) return next(err)
        const client = req.ip ?? 'unknown'
        const wait = guesses.blockedSeconds(client, Date.now())
        if (wait > 0) {
          res.set('Retry-After', String(wait))
          return next(Object.assign(new Error('too many refused session cookies'), { status: 429 }))
        }
        countGuess(ctx, guesses, client)
        next()
      }),
    )
  }
}

/** Counts a refused session cookie against its IP; logs when the IP gets slowed down. */
function countGuess(ctx: AppContext, guesses: SessionGuessThrottle, client: string): void {
  // Off the request's path: this request already goes on without a session. A throttle outage
  // loses the count, not the request (the session store is then likely out too, and answers 503).
  guesses.recordRefusal(client, Date.now()).then(
    (wait) => {
      if (wait > 0) ctx.log({ event: 'session.guessing', ip: client, retryAfterSeconds: wait })
    },
    () => {},
  )
}

/** Maps an error to a status without trusting anything but known shapes. */
function statusOf(err: unknown): number {
  if (isTesseraError(err, 'ERR_CSRF_REJECTED')) return 403
  if (isTesseraError(err, 'ERR_STORE_UNAVAILABLE')) return 503
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}

/** The last-resort handler: a generic page with a correlation id; details go to the log only. */
function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(err)
    const correlationId = randomUUID()
    const code = isTesseraError(err) ? err.code : ((err as { type?: unknown })?.type ?? 'error')
    ctx.log({ event: 'request.error', correlationId, status, code })
    if (status >= 500 && !isTesseraError(err))
      ctx.log({
        event: 'request.error.detail',
        correlationId,
        stack: err instanceof Error ? err.stack : String(err),
      })
    if (res.headersSent) {
      res.destroy()
      return
    }
    const frame = { title: 'Error', username: null, carrier: ctx.config.carrier, csrfToken: '' }
    res.status(status).set('Cache-Control', 'no-store').type('html')
    res.send(errorPage(frame, status, correlationId))
    void req
  }
}

/** Builds the app for `config`: opens the store and accounts, mounts every route. */
export async function createServer(
  config: AppConfig,
  options: CreateServerOptions = {},
): Promise<AppServer> {
  // Every carrier gets the store: the cookie carrier uses it for the "your sessions" index.
  const opened = await openStore(config)
  const store = opened.store
  const throttlePolicy = options.throttlePolicy ?? DEFAULT_THROTTLE_POLICY
  const repo = options.accountRepository ?? opened.accountRepository()
  const accounts = await createAccounts(repo, config.scryptLogN, options.passwordKdf)
  const primaryKey = config.keys[0]
  if (primaryKey === undefined) throw new Error('no session key')
  const throttleBackend = options.throttleBackend ?? opened.throttleBackend(throttlePolicy)
  const guesses = createSessionGuessThrottle(throttlePolicy, throttleBackend)
  const ctx: AppContext = {
    config,
    accounts,
    store,
    throttle: createLoginThrottle(throttlePolicy, throttleBackend),
    devices: createDeviceCookies(primaryKey.key),
    log: options.log ?? logToStdout,
    recentAuthSeconds: options.recentAuthSeconds ?? 5 * 60,
  }

  const sessions = session({
    carrier: config.carrier,
    keys: config.keys.map(({ id, key }) => ({ id, key })),
    store,
    ...SESSION_TIMEOUTS,
    onReject: noteRefusal,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  })
  const app = express()
  // Behind a TLS-terminating proxy it trusts, req.secure, req.ip and req.host come from the
  // proxy's X-Forwarded-* headers: Secure __Host- cookies, and the throttles count real clients.
  app.set('trust proxy', config.trustProxy)
  app.disable('x-powered-by')
  app.set('etag', false) // pages are no-store; an ETag would only cost a hash per response
  app.use(securityHeaders)
  app.get('/style.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('css').send(STYLESHEET)
  })
  app.get('/favicon.ico', (_req, res) => void res.status(204).end())
  app.use(healthRoutes(ctx, () => sessions.ready()))
  app.use(formsOnly)
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 20 }))
  app.use(throttleGuesses(ctx, guesses, sessions))
  app.use(csrf())
  app.get('/', (req, res) => res.redirect(303, req.session.userId === null ? '/login' : '/profile'))
  for (const routes of [
    loginRoutes,
    registerRoutes,
    profileRoutes,
    logoutRoutes,
    sessionsRoutes,
    inspectRoutes,
  ]) {
    app.use(routes(ctx))
  }
  app.use((_req, _res, next) => next(Object.assign(new Error('not found'), { status: 404 })))
  app.use(errorHandler(ctx))

  return {
    app,
    store,
    async close() {
      await opened.close() // closes the account repository it opened, too
    },
  }
}

/** A listening app: its URL and how to stop it. */
export interface RunningApp {
  readonly url: string
  readonly server: Server
  readonly store: Store
  close(): Promise<void>
}

/** Creates the app and listens on the configured host and port (0 picks a free port). */
export async function startServer(
  config: AppConfig,
  options: CreateServerOptions = {},
): Promise<RunningApp> {
  const built = await createServer(config, options)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = built.app.listen(config.port, config.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    )
  })
  const { port } = server.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${host}:${port}`,
    server,
    store: built.store,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await built.close()
    },
  }
}
