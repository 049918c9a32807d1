import { Router, type Request } from 'express'
import { parseCookie } from 'tessera-session/cookie'
import { decodeJwtUnsafe } from 'tessera-session/jwt'
import {
  findSession,
  openSealedCookie,
  tamperWith,
  verifyAccessToken,
  type Verdict,
} from '../carrier-secrets.js'
import type { CarrierName } from '../config.js'
import { DEVICE_COOKIE } from '../device.js'
import { inspectPage, type CookieFinding, type CookieListing } from '../views/inspect.js'
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

// What the page lists: a Cookie header of up to 16 KiB may hold thousands of cookies, and a name
// of thousands of characters; the page stays a few KiB whatever it is sent.
const MAX_LISTED = 12
const MAX_NAME_CHARS = 40

/** A name this app sets: the carrier's cookies (any prefix, chunk or suffix) and the device's. */
function isOwnCookie(name: string): boolean {
  return name === DEVICE_COOKIE || /^(__Host-)?tessera([.-]|$)/.test(name)
}

/**
 * The token carrier's access token, decoded without verification; nothing for any other cookie.
 * Only this one is a JWT the app issued: decoding whatever else looks like one would let any
 * cookie, even one set by a neighbouring site, make the page print it.
 */
function decodeOwnToken(name: string, value: string, carrier: CarrierName) {
  if (carrier !== 'token' || (name !== 'tessera' && name !== '__Host-tessera')) return undefined
  try {
    const { header, payload } = decodeJwtUnsafe(value)
    return { header, claims: payload }
  } catch {
    return undefined
  }
}

function meaningOf(name: string, value: string, carrier: CarrierName, isJwt: boolean): string {
  if (!isOwnCookie(name)) return 'Not a cookie this app sets.'
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

function findings(req: Request, carrier: CarrierName): CookieListing {
  const header = req.headers.cookie
  if (header === undefined) return { findings: [], unlisted: 0 }
  const entries = Object.entries(parseCookie(header))
  const findings = entries.slice(0, MAX_LISTED).map(([name, value = '']): CookieFinding => {
    const decoded = decodeOwnToken(name, value, carrier)
    return {
      name: name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name,
      bytes: Buffer.byteLength(name) + 1 + Buffer.byteLength(value),
      preview: value.slice(0, PREVIEW_CHARS),
      meaning: meaningOf(name, value, carrier, decoded !== undefined),
      decoded,
    }
  })
  return { findings, unlisted: entries.length - findings.length }
}

function forgeJwt(token: string): string {
  const [header = '', payload = '', signature = ''] = token.split('.')
  let claims: Record<string, unknown> = {}
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  } catch {
    // An empty claim set is edited just the same.
  }
  const edited = { ...claims, data: { username: 'admin', views: 9999 } }
  return `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`
}

/**
 * Runs the browser's own session cookie, and an edited copy of it, through the same check the
 * carrier makes: the proof that editing what the browser holds gets an attacker nothing.
 */
async function tamperProof(req: Request, ctx: AppContext): Promise<string | null> {
  const header = req.headers.cookie
  const cookies = header === undefined ? {} : parseCookie(header)
  const value = cookies['__Host-tessera'] ?? cookies.tessera
  if (value === undefined) return null
  const keys = ctx.config.keys
  let genuine: Verdict
  let edited: Verdict
  let how: string
  switch (ctx.config.carrier) {
    case 'server':
      genuine = await findSession(value, ctx.store)
      edited = await findSession(tamperWith(value), ctx.store)
      how = 'with one character changed, looked up in the store'
      break
    case 'cookie':
      genuine = openSealedCookie(value, keys)
      edited = openSealedCookie(tamperWith(value), keys)
      how = 'with one character changed, opened with the server key'
      break
    case 'token':
      genuine = verifyAccessToken(value, keys)
      edited = verifyAccessToken(forgeJwt(value), keys)
      how = 'with its claims rewritten to username "admin", verified with the server key'
      break
  }
  return (
    `your session cookie as sent: ${genuine.genuine ? 'accepted' : 'refused'} (${genuine.detail}). ` +
    `The same cookie ${how}: ${edited.genuine ? 'accepted' : 'refused'} (${edited.detail}).`
  )
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
    const page = inspectPage(
      frame,
      SUMMARIES[ctx.config.carrier],
      findings(req, ctx.config.carrier),
      {
        original,
        edited,
        tamperResult: await tamperProof(req, ctx),
      },
    )
    sendPage(res, 200, page)
  })
  return router
}
