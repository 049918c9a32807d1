import { Router } from 'express'
import type { AppContext } from './context.js'

/**
 * GET /healthz: JSON, 200 when sessions can be served (the session middleware's `ready()`: the
 * keys seal and open a probe, the store answers and has its tables), 503 when they cannot.
 */
export function healthRoutes(ctx: AppContext, ready: () => Promise<void>): Router {
  const router = Router()
  router.get('/healthz', async (_req, res) => {
    const body = { carrier: ctx.config.carrier, store: ctx.config.store }
    try {
      await ready()
      res.set('Cache-Control', 'no-store').json({ status: 'ok', ...body })
    } catch {
      res
        .status(503)
        .set('Cache-Control', 'no-store')
        .json({ status: 'unavailable', ...body })
    }
  })
  return router
}
