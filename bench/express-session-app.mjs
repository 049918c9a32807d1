// express-session under the same routes as bench/server-carrier-app.ts, for comparison. Plain
// JavaScript: @types/express-session would clash with tessera's typing of req.session.
// argv: <es-memory|es-sqlite> <data dir>. Prints its port.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import express from 'express'
import session from 'express-session'
import { sqliteSessionStore } from './express-session-sqlite.mjs'

const [variant, dir] = process.argv.slice(2)
const store =
  variant === 'es-sqlite'
    ? new (sqliteSessionStore(session))(path.join(dir ?? '.', 'express-session.db'))
    : new session.MemoryStore()
const app = express()
app.use(
  session({
    secret: randomBytes(32).toString('base64url'),
    resave: false,
    saveUninitialized: false,
    store,
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
)
app.get('/profile', (req, res) => {
  if (!req.session.userId) return res.redirect('/login')
  req.session.count = (req.session.count ?? 0) + 1
  res.send(`welcome ${req.session.username} with the count: ${req.session.count}`)
})
app.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.userId = 'alice'
    req.session.username = 'alice'
    req.session.save((err2) => (err2 ? next(err2) : res.redirect(303, '/profile')))
  })
})
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})
