import { Router } from 'express'
import { sessionsPage } from '../views/sessions.js'
import { formString, pageFrame, requireUser, sendPage, type AppContext } from './context.js'

// Notices chosen by a fixed key, so nothing from the URL is ever reflected into the page.
const NOTICES: Record<string, string> = {
  revoked: 'That session has been signed out.',
  gone: 'That session had already ended.',
  others: 'Every other session has been signed out.',
}

/** GET /sessions and its two actions: revoke one, sign out everywhere else (CO-2, CO-3). */
export function sessionsRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/sessions', requireUser, async (req, res) => {
    const rows = await req.session.list()
    const done = typeof req.query.done === 'string' ? req.query.done : ''
    const notice = Object.hasOwn(NOTICES, done) ? (NOTICES[done] ?? null) : null
    sendPage(res, 200, sessionsPage(await pageFrame(req, ctx, 'Your sessions'), rows, notice))
  })
  router.post('/sessions/revoke', requireUser, async (req, res) => {
    const handle = formString(req, 'handle', 200)
    const revoked = handle !== null && (await req.session.revoke(handle))
    ctx.log({ event: 'session.revoked', ip: req.ip, revoked })
    res.redirect(303, `/sessions?done=${revoked ? 'revoked' : 'gone'}`)
  })
  router.post('/sessions/logout-others', requireUser, async (req, res) => {
    const count = await req.session.logoutEverywhere({ exceptCurrent: true })
    ctx.log({ event: 'session.logout-others', ip: req.ip, count })
    res.redirect(303, '/sessions?done=others')
  })
  return router
}
