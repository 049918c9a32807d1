// A minimal express-session store on better-sqlite3 in WAL mode, as one would write it: the
// express-session + SQLite peer of the HTTP benchmarks (bench/express-session-app.mjs,
// bench/http-app.ts). Plain JavaScript, like express-session-app.mjs.
import Database from 'better-sqlite3'

/**
 * The store class for the given express-session module.
 * @param {typeof import('express-session')} session
 */
export function sqliteSessionStore(session) {
  return class SqliteSessionStore extends session.Store {
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
}

function expiry(sess) {
  return sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Date.now() + 86_400_000
}
