import { Router, type Request, type Response } from 'express'
import { CREDENTIAL_LIMITS, normalizeUsername } from '../accounts.js'
import { registerPage } from '../views/auth.js'
import { formString, pageFrame, sendPage, type AppContext } from './context.js'

// Printable characters only: no control characters, no line breaks in a name.
const USERNAME_PATTERN = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u

/** Why a username or password is refused, or null when both are acceptable. */
export function credentialProblem(username: string | null, password: string | null): string | null {
  const limits = CREDENTIAL_LIMITS
  if (username === null || password === null) return 'Enter a username and a password.'
  const name = normalizeUsername(username)
  if (name.trim() === '' || name.length > limits.usernameMaxChars || !USERNAME_PATTERN.test(name)) {
    return `A username is 1 to ${limits.usernameMaxChars} printable characters.`
  }
  if ([...password].length < limits.passwordMinChars) {
    return `A password needs at least ${limits.passwordMinChars} characters.`
  }
  return null
}

/**
 * GET/POST /register: create an account, then sign in on the sign-in page. A taken name gets
 * exactly the answer a new one does (the same redirect, after the same password hashing), so
 * the form tells nobody which names exist; registrations are throttled per IP.
 */
export function registerRoutes(ctx: AppContext): Router {
  const router = Router()

  async function show(
    req: Request,
    res: Response,
    status: number,
    error: string | null,
    name = '',
  ) {
    const frame = await pageFrame(req, ctx, 'Register')
    sendPage(res, status, registerPage(frame, CREDENTIAL_LIMITS, error, name))
  }

  router.get('/register', async (req, res) => {
    if (req.session.userId !== null) return res.redirect(303, '/profile')
    await show(req, res, 200, null)
  })

  router.post('/register', async (req, res) => {
    const username = formString(req, 'username', CREDENTIAL_LIMITS.usernameMaxChars * 4)
    const password = formString(req, 'password', CREDENTIAL_LIMITS.passwordMaxChars)
    const problem = credentialProblem(username, password)
    if (problem !== null || username === null || password === null) {
      return show(req, res, 400, problem, username ?? '')
    }
    const wait = await ctx.throttle.reserveRegistration(req.ip ?? 'unknown', Date.now())
    if (wait > 0) {
      ctx.log({ event: 'account.register-throttled', ip: req.ip })
      res.set('Retry-After', String(wait))
      const message = `Too many registrations from your network. Try again in ${wait} seconds.`
      return show(req, res, 429, message, username)
    }
    const account = await ctx.accounts.register(username, password)
    ctx.log({
      event: account === null ? 'account.register-taken' : 'account.registered',
      ip: req.ip,
    })
    res.redirect(303, '/login?registered=1')
  })

  return router
}
