// Peers for bench/app.ts, each run as its own child process: bare Express (the baseline) and
// the usual Express session middlewares, all serving the same GET /profile with a visit counter.
// Usage: node dist/bench/app-peers.js bare|express-session|cookie-session
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import cookieSession from 'cookie-session'
import express, { type Request, type Response } from 'express'
import expressSession from 'express-session'

const secret = randomBytes(32).toString('base64url')

function profile(views: number): string {
  return `<!doctype html><title>Profile</title><h1>welcome bench</h1><p>${views}</p>`
}

const app = express()
const kind: string = process.argv[2] ?? ''
switch (kind) {
  case 'bare': {
    let views = 0
    app.get('/profile', (_req, res) => void res.type('html').send(profile(++views)))
    break
  }
  case 'express-session':
    // Its MemoryStore: not for production (SO-3), but the peer most tutorials start with.
    app.use(expressSession({ secret, resave: false, saveUninitialized: false, name: 'sid' }))
    app.get('/profile', (req: Request, res: Response) => {
      const s = req.session as unknown as { views?: number }
      s.views = (s.views ?? 0) + 1
      res.type('html').send(profile(s.views))
    })
    break
  case 'cookie-session':
    app.use(cookieSession({ name: 'session', keys: [secret], sameSite: 'lax', httpOnly: true }))
    app.get('/profile', (req: Request, res: Response) => {
      const s = req.session as { views?: number }
      s.views = (s.views ?? 0) + 1
      res.type('html').send(profile(s.views))
    })
    break
  default:
    console.error('usage: app-peers.js bare|express-session|cookie-session')
    process.exit(2)
}
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
process.once('SIGTERM', () => server.close())
