// What the five examples share: the session data, the options, and the two pages. Each example
// only shows how its framework mounts tessera and serves the routes.
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createMemoryStore, type SessionManagerOptions } from 'tessera-session'

declare module 'tessera-session' {
  interface SessionData {
    username?: string
    visits?: number
  }
}

/** Server-side sessions in memory; SESSION_KEY is base64url of 32 random bytes. */
export function sessionOptions(): SessionManagerOptions {
  const key = process.env.SESSION_KEY ?? randomBytes(32).toString('base64url')
  return { carrier: 'server', keys: [{ id: 'k1', key }], store: createMemoryStore() }
}

/** A username from the form, or null. (A real app checks a password here.) */
export function usernameOf(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(value) ? value : null
}

export const LOGIN_PAGE = `<!doctype html><title>Sign in</title>
<form method="post" action="/login"><input name="username" autocomplete="username">
<button>Sign in</button></form>`

/** The profile page; `username` passed `usernameOf`, so it needs no escaping. */
export function profilePage(username: string, visits: number): string {
  return `<!doctype html><title>Profile</title><p>Welcome, ${username}! Visits: ${visits}</p>
<form method="post" action="/logout"><button>Sign out</button></form>`
}

/** The port to listen on when an example runs as a program. */
export const PORT = Number(process.env.PORT ?? 3000)

/** A started example: its URL and how to stop it. */
export interface Started {
  readonly url: string
  close(): Promise<void>
}

/** Starts the example on PORT when the file is run as a program (`node dist/examples/x.js`). */
export function runIfMain(moduleUrl: string, start: (port: number) => Promise<Started>): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return
  void start(PORT).then((s) => console.log(`listening on ${s.url}`))
}

/** The URL and `close` of a Node server started on 127.0.0.1. */
export function started(server: Server): Started {
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
