import { Router } from 'express'
import type { AppContext } from './context.js'

const PROBE_ID_HASH = 'healthz-probe-never-a-real-hash'

/** GET /healthz: JSON, 200 when the store is ready (answers, tables there), 503 when it is not. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/healthz', async (_req, res) => {
    const body = { carrier: ctx.config.carrier, store: ctx.config.store }
    try {
      // Every built-in store has ready(); a store without one is probed with a read.
      await (ctx.store.ready?.() ?? ctx.store.sessions.get(PROBE_ID_HASH))
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
