// One server of `npm run bench:frameworks`, as its own process: a framework bare, with tessera
// (server carrier, memory store) or with a peer session library, serving POST /login?user= and
// GET /profile with a visit counter. Plain JavaScript so that @fastify/session's and tessera's
// declarations of `request.session` never meet in one type check.
// Usage: node bench/framework-server.mjs express|fastify|hono|koa|web bare|tessera|floor|fastify-session
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { createMemoryStore } from 'tessera-session'

const [framework, variant] = process.argv.slice(2)
const options = () => ({
  carrier: 'server',
  keys: [{ id: 'k1', key: randomBytes(32) }],
  store: createMemoryStore(),
})
const page = (user, visits) =>
  `<!doctype html><title>Profile</title><h1>welcome ${user}</h1><p>${visits}</p>`
let bareVisits = 0

// The hand-written floor (variant `floor`, every framework but the Fetch API's): what a server session costs at
// the least. Read the cookie, SHA-256 the id, look the record up in a Map, check the version, write
// the counter back; login makes a random id; a signed-in page gets `Cache-Control: no-store` (as
// tessera's do). No CSRF, no rotation, no deadlines, no store timeout.
const floorRecords = new Map()
const floorHash = (id) => createHash('sha256').update(id).digest('base64url')
function floorOpen(cookieHeader) {
  const match = /(?:^|;\s*)sid=([A-Za-z0-9_-]{43})/.exec(cookieHeader ?? '')
  const key = match === null ? null : floorHash(match[1])
  const record = key === null ? undefined : floorRecords.get(key)
  const data = record === undefined ? {} : { ...record.data }
  return {
    userId: record?.userId ?? null,
    data,
    setCookie: null,
    async login(userId) {
      const id = randomBytes(32).toString('base64url')
      floorRecords.set(floorHash(id), { userId, data: {}, version: 1 })
      this.setCookie = `sid=${id}; Path=/; HttpOnly; SameSite=Lax`
    },
    save() {
      if (record === undefined) return
      const current = floorRecords.get(key)
      if (current.version !== record.version) throw new Error('lost update')
      floorRecords.set(key, { userId: record.userId, data, version: record.version + 1 })
    },
  }
}

/** The visit counter of the profile page: the session's, or a process-wide one when bare. */
function visit(s) {
  if (s === undefined) return page('bench', ++bareVisits)
  if (s.userId === null) return null
  s.data.visits = (s.data.visits ?? 0) + 1
  return page(s.userId, s.data.visits)
}

async function express() {
  const { default: createApp } = await import('express')
  const app = createApp()
  if (variant === 'tessera') app.use((await import('tessera-session/express')).session(options()))
  // The floor keeps its session in `res.locals` (a plain object Express makes per request; a new
  // property on Express's `req` costs microseconds) and saves in the route, before the answer.
  const sessionOf = (req, res) => (variant === 'floor' ? res.locals.session : req.session)
  if (variant === 'floor') {
    app.use((req, res, next) => {
      res.locals.session = floorOpen(req.headers.cookie)
      next()
    })
  }
  const saved = (s, res) => {
    if (variant !== 'floor') return
    s.save()
    if (s.setCookie !== null) res.append('Set-Cookie', s.setCookie)
    if (s.userId !== null) res.setHeader('Cache-Control', 'no-store')
  }
  app.post('/login', async (req, res) => {
    const s = sessionOf(req, res)
    await s?.login(String(req.query.user))
    saved(s, res)
    res.redirect(303, '/profile')
  })
  app.get('/profile', (req, res) => {
    const s = sessionOf(req, res)
    const body = visit(s)
    saved(s, res)
    if (body === null) res.sendStatus(401)
    else res.type('html').send(body)
  })
  return app.listen(0, '127.0.0.1')
}

async function fastify() {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  if (variant === 'tessera')
    await app.register((await import('tessera-session/fastify')).session, options())
  if (variant === 'fastify-session') {
    await app.register((await import('@fastify/cookie')).default)
    const secret = randomBytes(32).toString('base64url')
    await app.register((await import('@fastify/session')).default, {
      secret,
      cookie: { secure: false, httpOnly: true, sameSite: 'lax' },
      saveUninitialized: false,
    })
  }
  if (variant === 'floor') {
    app.decorateRequest('session', null)
    app.addHook('onRequest', (request, _reply, done) => {
      request.session = floorOpen(request.headers.cookie)
      done()
    })
    app.addHook('onSend', (request, reply, payload, done) => {
      request.session.save()
      if (request.session.setCookie !== null) reply.header('set-cookie', request.session.setCookie)
      if (request.session.userId !== null) reply.header('cache-control', 'no-store')
      done(null, payload)
    })
  }
  app.post('/login', async (request, reply) => {
    if (variant === 'fastify-session') {
      await request.session.regenerate()
      request.session.set('user', request.query.user)
    } else await request.session?.login(String(request.query.user))
    return reply.redirect('/profile', 303)
  })
  app.get('/profile', async (request, reply) => {
    let body
    if (variant === 'fastify-session') {
      const user = request.session.get('user')
      const visits = (request.session.get('visits') ?? 0) + 1
      request.session.set('visits', visits)
      body = user === undefined ? null : page(user, visits)
    } else body = visit(request.session ?? undefined)
    return body === null ? reply.code(401).send() : reply.type('text/html').send(body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

async function hono() {
  const { Hono } = await import('hono')
  const { createAdaptorServer } = await import('@hono/node-server')
  const app = new Hono()
  if (variant === 'tessera') app.use((await import('tessera-session/hono')).session(options()))
  if (variant === 'floor') {
    app.use(async (c, next) => {
      const s = floorOpen(c.req.header('cookie'))
      c.set('session', s)
      await next()
      s.save()
      if (s.setCookie !== null) c.res.headers.append('set-cookie', s.setCookie)
      if (s.userId !== null) c.res.headers.set('cache-control', 'no-store')
    })
  }
  app.post('/login', async (c) => {
    await c.get('session')?.login(c.req.query('user'))
    return c.redirect('/profile', 303)
  })
  app.get('/profile', (c) => {
    const body = visit(c.get('session'))
    return body === null ? c.body(null, 401) : c.html(body)
  })
  return createAdaptorServer({ fetch: app.fetch }).listen(0, '127.0.0.1')
}

async function koa() {
  const { default: Koa } = await import('koa')
  const app = new Koa()
  if (variant === 'tessera') app.use((await import('tessera-session/koa')).session(options()))
  if (variant === 'floor') {
    app.use(async (ctx, next) => {
      const s = floorOpen(ctx.get('cookie'))
      ctx.session = s
      await next()
      s.save()
      if (s.setCookie !== null) ctx.append('Set-Cookie', s.setCookie)
      if (s.userId !== null) ctx.set('Cache-Control', 'no-store')
    })
  }
  app.use(async (ctx) => {
    if (ctx.method === 'POST' && ctx.path === '/login') {
      await ctx.session?.login(String(ctx.query.user))
      ctx.redirect('/profile')
    } else if (ctx.path === '/profile') {
      const body = visit(ctx.session)
      if (body === null) ctx.status = 401
      else [ctx.type, ctx.body] = ['html', body]
    }
  })
  const callback = app.callback()
  return createServer((req, res) => void callback(req, res)).listen(0, '127.0.0.1')
}

async function web() {
  const { createAdaptorServer } = await import('@hono/node-server')
  const { createSessions } = await import('tessera-session/web')
  const sessions = createSessions(options())
  const html = { headers: { 'content-type': 'text/html; charset=utf-8' } }
  const route = async (request, s) => {
    const url = new URL(request.url)
    if (request.method === 'POST' && url.pathname === '/login') {
      await s?.login(url.searchParams.get('user'))
      return new Response(null, { status: 303, headers: { location: '/profile' } })
    }
    const body = visit(s)
    return body === null ? new Response(null, { status: 401 }) : new Response(body, html)
  }
  const fetch = (request) =>
    variant === 'tessera'
      ? sessions.handle(request, (s) => route(request, s))
      : route(request, undefined)
  return createAdaptorServer({ fetch }).listen(0, '127.0.0.1')
}

const servers = { express, fastify, hono, koa, web }
const server = await servers[framework]()
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
console.log(JSON.stringify({ port: server.address().port }))
process.once('SIGTERM', () => process.exit(0))
