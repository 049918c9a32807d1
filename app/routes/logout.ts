import { Router } from 'express'
import { logoutPage } from '../views/auth.js'
import { pageFrame, sendPage, type AppContext } from './context.js'

/** GET /logout asks; POST /logout ends the session and lands on /login (LO-1, LO-4). */
export function logoutRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/logout', async (req, res) => {
    if (req.session.userId === null) return res.redirect(303, '/login')
    sendPage(res, 200, logoutPage(await pageFrame(req, ctx, 'Sign out')))
  })
  router.post('/logout', async (req, res) => {
    const wasSignedIn = req.session.userId !== null
    await req.session.logout()
    if (wasSignedIn) ctx.log({ event: 'logout', ip: req.ip })
    // Not "cookies": that would also drop the device cookie the login throttle trusts (BF-2);
    // the session cookies themselves are cleared by logout().
    res.set('Clear-Site-Data', '"cache", "storage"')
    res.redirect(303, '/login')
  })
  return router
}
