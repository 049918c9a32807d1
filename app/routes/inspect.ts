import { Router, type Request } from 'express'
import { parseCookie } from 'tessera/cookie'
import { decodeJwtUnsafe } from 'tessera/jwt'
import type { CarrierName } from '../config.js'
import { DEVICE_COOKIE } from '../device.js'
import { inspectPage, type CookieFinding } from '../views/inspect.js'
import { currentUsername, pageFrame, sendPage, sessionData, type AppContext } from './context.js'

const PREVIEW_CHARS = 6

const SUMMARIES: Record<CarrierName, string> = {
  server:
    'This app runs the server carrier: your browser holds only a random session id; ' +
    'everything else lives in the server store, which keeps just a SHA-256 of the id.',
  cookie:
    'This app runs the cookie carrier: your browser holds the session itself, sealed with ' +
    'AES-256-GCM. You can carry it, but not read or change it.',
  token:
    'This app runs the token carrier: your browser holds a short-lived signed JWT (readable, ' +
    'but any change breaks its signature) and a random refresh token that rotates on each use.',
}

function tryDecodeJwt(value: string): CookieFinding['decoded'] {
  if (value.split('.').length !== 3) return undefined
  try {
    const { header, payload } = decodeJwtUnsafe(value)
    return { header, claims: payload }
  } catch {
    return undefined
  }
}

function meaningOf(name: string, value: string, carrier: CarrierName, isJwt: boolean): string {
  if (name === DEVICE_COOKIE) {
    return (
      'A signed device cookie: this browser signed in here before. It authenticates nothing; ' +
      'it only lets this device keep trying when someone else triggers the sign-in throttle.'
    )
  }
  if (isJwt) {
    return (
      'A JWT: anyone can decode its header and claims (below), but only the server can make a ' +
      'signature that matches them, so an edited token is refused.'
    )
  }
  if (!/tessera/i.test(name)) return 'Not a cookie this app sets.'
  if (/csrf/i.test(name)) return 'A CSRF secret: forms must echo a token derived from it.'
  switch (carrier) {
    case 'server':
      return (
        `A random session id (${value.length} characters of base64url, 256 bits): it carries ` +
        'no meaning; the server looks up the SHA-256 of it in the store.'
      )
    case 'cookie':
      return (
        'A sealed session: AES-256-GCM encrypted and authenticated. It is opaque: changing any ' +
        'character makes the server refuse it, and nobody without the key can read it.'
      )
    case 'token':
      return (
        'A random refresh token: it carries no meaning, and is exchanged (once) for a new JWT ' +
        'when the current one expires; using it twice revokes the whole family.'
      )
  }
}

function findings(req: Request, carrier: CarrierName): CookieFinding[] {
  const header = req.headers.cookie
  if (header === undefined) return []
  return Object.entries(parseCookie(header)).map(([name, value = '']) => {
    const decoded = tryDecodeJwt(value)
    return {
      name,
      bytes: Buffer.byteLength(name) + 1 + Buffer.byteLength(value),
      preview: value.slice(0, PREVIEW_CHARS),
      meaning: meaningOf(name, value, carrier, decoded !== undefined),
      decoded,
    }
  })
}

/** GET /inspect: what the browser holds for the current carrier, and what it means. */
export function inspectRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/inspect', async (req, res) => {
    const username = currentUsername(req) ?? 'alice'
    const views = sessionData(req).views ?? 3
    const original = `session=${JSON.stringify({ username, views })}`
    const edited = `session=${JSON.stringify({ username: 'admin', views })}`
    const frame = await pageFrame(req, ctx, 'Inspect')
    const page = inspectPage(frame, SUMMARIES[ctx.config.carrier], findings(req, ctx.config.carrier), {
      original,
      edited,
      tamperResult: null,
    })
    sendPage(res, 200, page)
  })
  return router
}
