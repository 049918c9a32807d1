import { Router, type Request } from 'express'
import { CREDENTIAL_LIMITS } from '../accounts.js'
import { sessionsPage } from '../views/sessions.js'
import {
  formString,
  pageFrame,
  requireUser,
  sendPage,
  sessionData,
  type AppContext,
} from './context.js'

// Notices chosen by a fixed key, so nothing from the URL is ever reflected into the page.
const NOTICES: Record<string, string> = {
  revoked: 'That session has been signed out.',
  gone: 'That session had already ended.',
  others: 'Every other session has been signed out.',
  password: 'That password did not match; nothing was changed.',
  throttled: 'Too many wrong passwords: wait a few minutes, then try again; nothing was changed.',
}

function recentlyAuthenticated(req: Request, ctx: AppContext): boolean {
  const at = req.session.authenticatedAt
  return at !== null && Date.now() - at < ctx.recentAuthSeconds * 1000
}

/**
 * Ending other sessions is what an attacker holding a stolen session would do first, so it
 * needs the password again unless the user signed in a moment ago (CO-3, OP-3). Each attempt
 * is reserved in the sign-in throttle before the password is checked, as a sign-in is.
 * Resolves to null when confirmed, else the notice to show.
 */
async function confirmIdentity(req: Request, ctx: AppContext): Promise<string | null> {
  if (recentlyAuthenticated(req, ctx)) return null
  const password = formString(req, 'password', CREDENTIAL_LIMITS.passwordMaxChars)
  const username = sessionData(req).username
  if (password === null || username === undefined) return 'password'
  const attempt = { username, ip: req.ip ?? 'unknown', deviceId: null }
  const reservation = await ctx.throttle.reserve(attempt, Date.now())
  if (!reservation.granted) {
    ctx.log({ event: 'session.reauth-throttled', ip: req.ip })
    return 'throttled'
  }
  const account = await ctx.accounts.verify(username, password)
  if (account !== null && account.id === req.session.userId) {
    await reservation.succeeded()
    return null
  }
  ctx.log({ event: 'session.reauth-failed', ip: req.ip })
  return 'password'
}

/** GET /sessions and its two actions: revoke one, sign out everywhere else (CO-2, CO-3). */
export function sessionsRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/sessions', requireUser, async (req, res) => {
    const rows = await req.session.list()
    const done = typeof req.query.done === 'string' ? req.query.done : ''
    const notice = Object.hasOwn(NOTICES, done) ? (NOTICES[done] ?? null) : null
    const frame = await pageFrame(req, ctx, 'Your sessions')
    const askPassword = !recentlyAuthenticated(req, ctx)
    sendPage(res, 200, sessionsPage(frame, rows, notice, askPassword))
  })
  router.post('/sessions/revoke', requireUser, async (req, res) => {
    const refused = await confirmIdentity(req, ctx)
    if (refused !== null) return res.redirect(303, `/sessions?done=${refused}`)
    const handle = formString(req, 'handle', 200)
    const revoked = handle !== null && (await req.session.revoke(handle))
    ctx.log({ event: 'session.revoked', ip: req.ip, revoked })
    res.redirect(303, `/sessions?done=${revoked ? 'revoked' : 'gone'}`)
  })
  router.post('/sessions/logout-others', requireUser, async (req, res) => {
    const refused = await confirmIdentity(req, ctx)
    if (refused !== null) return res.redirect(303, `/sessions?done=${refused}`)
    const count = await req.session.logoutEverywhere({ exceptCurrent: true })
    ctx.log({ event: 'session.logout-others', ip: req.ip, count })
    res.redirect(303, '/sessions?done=others')
  })
  return router
}
