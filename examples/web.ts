// The example app on the Fetch API (served here by @hono/node-server; the same `fetch` runs on
// Bun, Deno or a Next.js route handler): `createSessions(options).handle(request, handler)`.
import { serve } from '@hono/node-server'
import type { Server } from 'node:http'
import { createSessions, type RequestSession } from 'tessera-session/web'
import { LOGIN_PAGE, profilePage, runIfMain, sessionOptions, started, usernameOf } from './pages.js'

const html = (body: string) => new Response(body, { headers: { 'content-type': 'text/html' } })
const seeOther = (location: string) => new Response(null, { status: 303, headers: { location } })

async function route(request: Request, s: RequestSession): Promise<Response> {
  const route = `${request.method} ${new URL(request.url).pathname}`
  if (route === 'GET /login') return s.userId === null ? html(LOGIN_PAGE) : seeOther('/profile')
  if (route === 'POST /login') {
    const username = usernameOf((await request.formData()).get('username'))
    if (username === null) return seeOther('/login')
    await s.login(username, { data: { username } })
    return seeOther('/profile')
  }
  if (route === 'GET /profile') {
    if (s.userId === null) return seeOther('/login')
    s.data.visits = (s.data.visits ?? 0) + 1 // committed before the response is returned
    return html(profilePage(s.data.username ?? '', s.data.visits))
  }
  if (route === 'POST /logout') {
    await s.logout()
    return seeOther('/login')
  }
  return new Response('Not found', { status: 404 })
}

export async function start(port: number) {
  const sessions = createSessions(sessionOptions())
  const fetch = (request: Request) => sessions.handle(request, (s) => route(request, s))
  const server = serve({ fetch, port, hostname: '127.0.0.1' }) as Server
  await new Promise((resolve) => server.once('listening', resolve))
  return started(server)
}

runIfMain(import.meta.url, start)
