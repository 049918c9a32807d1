// express-session under the same routes as bench/server-carrier-app.ts, for comparison. Plain
// JavaScript: @types/express-session would clash with tessera's typing of req.session.
// argv: <es-memory|es-sqlite> <data dir>. Prints its port.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import Database from 'better-sqlite3'
import express from 'express'
import session from 'express-session'

/** A minimal express-session store on better-sqlite3 in WAL mode, as one would write it. */
class SqliteSessionStore extends session.Store {
  constructor(file) {
    super()
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(
      'CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, sess TEXT NOT NULL, expires INTEGER NOT NULL)',
    )
    this.q = {
      get: db.prepare('SELECT sess FROM sessions WHERE sid = ? AND expires > ?'),
      set: db.prepare('INSERT OR REPLACE INTO sessions (sid, sess, expires) VALUES (?, ?, ?)'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
      touch: db.prepare('UPDATE sessions SET expires = ? WHERE sid = ?'),
    }
  }
  get(sid, cb) {
    try {
      const row = this.q.get.get(sid, Date.now())
      cb(null, row ? JSON.parse(row.sess) : null)
    } catch (err) {
      cb(err)
    }
  }
  set(sid, sess, cb) {
    try {
      this.q.set.run(sid, JSON.stringify(sess), expiry(sess))
      cb?.(null)
    } catch (err) {
      cb?.(err)
    }
  }
  destroy(sid, cb) {
    try {
      this.q.destroy.run(sid)
      cb?.(null)
    } catch (err) {
      cb?.(err)
    }
  }
  touch(sid, sess, cb) {
    try {
      this.q.touch.run(expiry(sess), sid)
      cb?.(null)
    } catch (err) {
      cb?.(err)
    }
  }
}

function expiry(sess) {
  return sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Date.now() + 86_400_000
}

const [variant, dir] = process.argv.slice(2)
const store =
  variant === 'es-sqlite'
    ? new SqliteSessionStore(path.join(dir ?? '.', 'express-session.db'))
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
