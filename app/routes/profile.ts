import { Router } from 'express'
import { profilePage } from '../views/profile.js'
import { pageFrame, requireUser, sendPage, sessionData, type AppContext } from './context.js'

/** GET /profile: welcome and a visit counter, incremented atomically on each visit. */
export function profileRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/profile', requireUser, async (req, res) => {
    await req.session.update((data) => {
      data.views = (data.views ?? 0) + 1
    })
    const { username = '', views = 1 } = sessionData(req)
    sendPage(res, 200, profilePage(await pageFrame(req, ctx, 'Profile'), username, views))
  })
  return router
}
