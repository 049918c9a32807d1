// The example app on Hono (served by @hono/node-server): `app.use(session(options))`, the
// session at `c.get('session')`, typed by `new Hono<SessionEnv>()`.
import { serve } from '@hono/node-server'
import type { Server } from 'node:http'
import { Hono } from 'hono'
import { session, type SessionEnv } from 'tessera-session/hono'
import { LOGIN_PAGE, profilePage, runIfMain, sessionOptions, started, usernameOf } from './pages.js'

export async function start(port: number) {
  const app = new Hono<SessionEnv>()
  app.use(session(sessionOptions()))

  app.get('/login', (c) =>
    c.get('session').userId === null ? c.html(LOGIN_PAGE) : c.redirect('/profile', 303),
  )
  app.post('/login', async (c) => {
    const username = usernameOf((await c.req.parseBody()).username)
    if (username === null) return c.redirect('/login', 303)
    await c.get('session').login(username, { data: { username } })
    return c.redirect('/profile', 303)
  })
  app.get('/profile', (c) => {
    const { userId, data } = c.get('session')
    if (userId === null) return c.redirect('/login', 303)
    data.visits = (data.visits ?? 0) + 1 // committed before the response leaves
    return c.html(profilePage(data.username ?? '', data.visits))
  })
  app.post('/logout', async (c) => {
    await c.get('session').logout()
    return c.redirect('/login', 303)
  })

  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }) as Server
  await new Promise((resolve) => server.once('listening', resolve))
  return started(server)
}

runIfMain(import.meta.url, start)
