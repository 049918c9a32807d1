// The example app on Fastify: `await app.register(session, options)`, the session at
// `request.session`.
import formbody from '@fastify/formbody'
import Fastify from 'fastify'
import { session } from 'tessera-session/fastify'
import { LOGIN_PAGE, profilePage, runIfMain, sessionOptions, started, usernameOf } from './pages.js'

export async function start(port: number) {
  const app = Fastify()
  await app.register(formbody)
  await app.register(session, sessionOptions())

  app.get('/login', async (request, reply) => {
    if (request.session.userId !== null) return reply.redirect('/profile', 303)
    return reply.type('text/html').send(LOGIN_PAGE)
  })
  app.post('/login', async (request, reply) => {
    const username = usernameOf((request.body as { username?: unknown }).username)
    if (username === null) return reply.redirect('/login', 303)
    await request.session.login(username, { data: { username } })
    return reply.redirect('/profile', 303)
  })
  app.get('/profile', async (request, reply) => {
    const { data } = request.session
    if (request.session.userId === null) return reply.redirect('/login', 303)
    data.visits = (data.visits ?? 0) + 1 // committed before the reply leaves
    return reply.type('text/html').send(profilePage(data.username ?? '', data.visits))
  })
  app.post('/logout', async (request, reply) => {
    await request.session.logout()
    return reply.redirect('/login', 303)
  })

  await app.listen({ port, host: '127.0.0.1' })
  return started(app.server)
}

runIfMain(import.meta.url, start)
