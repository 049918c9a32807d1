// The server under test for bench/server-carrier.ts, run in its own process so the load
// generator does not share its event loop. argv: <variant> <data dir>. Prints its port.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import express from 'express'
import { createMemoryStore } from 'tessera-session'
import { session } from 'tessera-session/express'
import { createSqliteStore } from 'tessera-session/stores/sqlite'

interface Data {
  username?: string
  count?: number
}

const [variant, dir] = process.argv.slice(2)
const app = express()

if (variant === 'bare') {
  // The ceiling: the same responses with no session at all.
  let count = 0
  app.get('/profile', (_req, res) => {
    count++
    res.send(`welcome alice with the count: ${count}`)
  })
  app.post('/login', (_req, res) => res.redirect(303, '/profile'))
} else {
  const store =
    variant === 'tessera-sqlite'
      ? createSqliteStore({ path: path.join(dir ?? '.', 'tessera.db') })
      : createMemoryStore({ maxEntries: 1_000_000 })
  const sessions = session<Data>({
    carrier: 'server',
    keys: [{ id: 'bench', key: randomBytes(32) }],
    store,
  })
  app.use(sessions)
  app.get('/profile', async (req, res) => {
    const s = sessions.of(req)
    if (s.userId === null) return void res.redirect('/login')
    await s.update((d) => {
      d.count = (d.count ?? 0) + 1
    })
    res.send(`welcome ${s.data.username} with the count: ${s.data.count}`)
  })
  app.post('/login', async (req, res) => {
    await sessions.of(req).login('alice', { data: { username: 'alice' } })
    res.redirect(303, '/profile')
  })
}

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
