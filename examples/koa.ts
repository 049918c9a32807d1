// The example app on Koa: `app.use(session(options))`, the session at `ctx.session`.
import { bodyParser } from '@koa/bodyparser'
import Koa from 'koa'
import { session } from 'tessera-session/koa'
import { LOGIN_PAGE, profilePage, runIfMain, sessionOptions, started, usernameOf } from './pages.js'

export async function start(port: number) {
  const app = new Koa()
  app.use(bodyParser({ enableTypes: ['form'] }))
  app.use(session(sessionOptions()))

  app.use(async (ctx) => {
    const s = ctx.session
    const route = `${ctx.method} ${ctx.path}`
    if (route === 'GET /login') {
      if (s.userId !== null) return ctx.redirect('/profile')
      ctx.type = 'html'
      ctx.body = LOGIN_PAGE
    } else if (route === 'POST /login') {
      const username = usernameOf((ctx.request.body as { username?: unknown }).username)
      if (username !== null) await s.login(username, { data: { username } })
      ctx.redirect(username === null ? '/login' : '/profile')
    } else if (route === 'GET /profile') {
      if (s.userId === null) return ctx.redirect('/login')
      s.data.visits = (s.data.visits ?? 0) + 1 // committed before the response leaves
      ctx.type = 'html'
      ctx.body = profilePage(s.data.username ?? '', s.data.visits)
    } else if (route === 'POST /logout') {
      await s.logout()
      ctx.redirect('/login')
    }
    if (ctx.status === 302) ctx.status = 303
  })

  const server = app.listen(port, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return started(server)
}

runIfMain(import.meta.url, start)
