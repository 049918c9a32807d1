// What every route needs: the config, the accounts, the throttle, and helpers for pages.
import type { NextFunction, Request, Response } from 'express'
import type { SessionData, Store } from 'tessera-session'
import type { Accounts } from '../accounts.js'
import type { AppConfig } from '../config.js'
import type { DeviceCookies } from '../device.js'
import type { LoginThrottle } from '../throttle.js'
import type { PageFrame } from '../views/layout.js'

/** Shared by every route module. */
export interface AppContext {
  readonly config: AppConfig
  readonly accounts: Accounts
  readonly throttle: LoginThrottle
  readonly devices: DeviceCookies
  readonly store: Store
  /** Security events (EH-5): never a password, token or cookie value. */
  readonly log: EventLog
  /** After this long since sign-in, changing other sessions needs the password again (OP-3). */
  readonly recentAuthSeconds: number
}

/** Where security events and request errors go; one JSON object per line by default. */
export type EventLog = (entry: Readonly<Record<string, unknown>>) => void

// The data this app keeps in a session, declared once for every `req.session`.
declare module 'tessera-session' {
  interface SessionData {
    username?: string
    views?: number
  }
}

/** The session data of this request. */
export function sessionData(req: Request): SessionData {
  return req.session.data
}

/** The signed-in user's name, or null. */
export function currentUsername(req: Request): string | null {
  if (req.session.userId === null) return null
  return sessionData(req).username ?? null
}

/** The frame of a page: title, who is signed in, the carrier and a CSRF token for its forms. */
export async function pageFrame(req: Request, ctx: AppContext, title: string): Promise<PageFrame> {
  return {
    title,
    username: currentUsername(req),
    carrier: ctx.config.carrier,
    csrfToken: await req.session.csrfToken(),
  }
}

/** Sends a page with the headers every authenticated (or form) page gets. */
export function sendPage(res: Response, status: number, body: string): void {
  res.status(status).type('html').send(body)
}

/** Lets only signed-in users through; everyone else lands on /login. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.session.userId === null) {
    res.redirect(303, '/login')
    return
  }
  next()
}

/**
 * A form field as a string of at most `maxChars` characters, or null for anything else:
 * missing, an array (`name=a&name=b`), too long, or containing NUL (IN-6).
 */
export function formString(req: Request, field: string, maxChars: number): string | null {
  const body: unknown = req.body
  if (typeof body !== 'object' || body === null) return null
  if (!Object.hasOwn(body, field)) return null
  const value: unknown = (body as Record<string, unknown>)[field]
  if (typeof value !== 'string' || value.length > maxChars || value.includes('\0')) return null
  return value
}
