import { Router, type Request, type Response } from 'express'
import { isLoopbackHost } from 'tessera-session'
import { parseCookie } from 'tessera-session/cookie'
import { CREDENTIAL_LIMITS, normalizeUsername } from '../accounts.js'
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SECONDS } from '../device.js'
import type { LoginAttempt } from '../throttle.js'
import { loginPage } from '../views/auth.js'
import { formString, pageFrame, sendPage, type AppContext } from './context.js'

/** The one message every failed sign-in gets, whatever the reason (EH-3). */
export const LOGIN_FAILED = 'Wrong username or password.'

/**
 * What the sign-in page says after any registration, whether the name was free or taken: the
 * two must look the same, or the form would tell anyone which names exist.
 */
export const REGISTERED_NOTICE =
  'If that username was free, your account is ready: sign in with it below. ' +
  'If it was already taken, nothing changed: choose another name on the registration page.'

function deviceCookie(req: Request): string | undefined {
  const header = req.headers.cookie
  return header === undefined ? undefined : parseCookie(header)[DEVICE_COOKIE]
}

/** Gives this browser a device cookie for `username`, after it proved the password. */
export function rememberDevice(
  req: Request,
  res: Response,
  ctx: AppContext,
  username: string,
): void {
  res.cookie(DEVICE_COOKIE, ctx.devices.issue(username), {
    httpOnly: true,
    sameSite: 'lax',
    // Like the session cookies: plain only for plain HTTP to a loopback host.
    secure: req.secure || !isLoopbackHost(req.host),
    path: '/',
    maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS * 1000,
  })
}

/** GET/POST /login: the form, then a throttled, constant-work password check. */
export function loginRoutes(ctx: AppContext): Router {
  const router = Router()
  const log = (event: string, attempt: LoginAttempt) =>
    ctx.log({ event, ip: attempt.ip, trustedDevice: attempt.deviceId !== null })

  async function refuse(req: Request, res: Response, status: number, message: string, name = '') {
    sendPage(res, status, loginPage(await pageFrame(req, ctx, 'Sign in'), message, name))
  }

  router.get('/login', async (req, res) => {
    if (req.session.userId !== null) return res.redirect(303, '/profile')
    const notice = req.query.registered === '1' ? REGISTERED_NOTICE : null
    sendPage(res, 200, loginPage(await pageFrame(req, ctx, 'Sign in'), null, '', notice))
  })

  router.post('/login', async (req, res) => {
    const username = formString(req, 'username', CREDENTIAL_LIMITS.usernameMaxChars)
    const password = formString(req, 'password', CREDENTIAL_LIMITS.passwordMaxChars)
    if (username === null || password === null) return refuse(req, res, 401, LOGIN_FAILED)
    const name = normalizeUsername(username)
    const attempt: LoginAttempt = {
      username: name,
      ip: req.ip ?? 'unknown',
      deviceId: ctx.devices.deviceIdFor(deviceCookie(req), name),
    }
    // Counted as a failure before the password is checked, so that guesses sent together
    // cannot all pass the throttle before any of them has failed.
    const reservation = await ctx.throttle.reserve(attempt, Date.now())
    if (!reservation.granted) {
      const wait = reservation.retryAfterSeconds
      log('login.throttled', attempt)
      res.set('Retry-After', String(wait))
      return refuse(req, res, 429, `Too many attempts. Try again in ${wait} seconds.`, username)
    }
    const account = await ctx.accounts.verify(name, password)
    if (account === null) {
      log('login.failed', attempt)
      return refuse(req, res, 401, LOGIN_FAILED, username)
    }
    await reservation.succeeded()
    log('login.succeeded', attempt)
    // "Remember me": a cookie that survives closing the browser, and a session that survives
    // idle spells, until the absolute timeout; otherwise a browser-session cookie.
    const remember = formString(req, 'remember', 2) === 'on'
    await req.session.login(account.id, {
      data: { username: account.username, views: 0 },
      persistent: remember,
    })
    if (attempt.deviceId === null) rememberDevice(req, res, ctx, account.username)
    res.redirect(303, '/profile')
  })

  return router
}
