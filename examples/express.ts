// The example app on Express: `app.use(session(options))`, the session at `req.session`.
import express from 'express'
import { session } from 'tessera-session/express'
import { LOGIN_PAGE, profilePage, runIfMain, sessionOptions, started, usernameOf } from './pages.js'

export async function start(port: number) {
  const app = express()
  app.use(express.urlencoded({ extended: false, limit: '1kb' }))
  app.use(session(sessionOptions()))

  app.get('/login', (req, res) => {
    if (req.session.userId !== null) return res.redirect(303, '/profile')
    res.type('html').send(LOGIN_PAGE)
  })
  app.post('/login', async (req, res) => {
    const username = usernameOf((req.body as { username?: unknown }).username)
    if (username === null) return res.redirect(303, '/login')
    await req.session.login(username, { data: { username } })
    res.redirect(303, '/profile')
  })
  app.get('/profile', (req, res) => {
    const { data } = req.session
    if (req.session.userId === null) return res.redirect(303, '/login')
    data.visits = (data.visits ?? 0) + 1 // committed before the response leaves
    res.type('html').send(profilePage(data.username ?? '', data.visits))
  })
  app.post('/logout', async (req, res) => {
    await req.session.logout()
    res.redirect(303, '/login')
  })

  const server = app.listen(port, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return started(server)
}

runIfMain(import.meta.url, start)
