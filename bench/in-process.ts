// tessera's own work per request, without HTTP: the session manager opening a signed-in request
// (cookie parse, id hash or seal/JWT check, store read) and committing what the handler left, for
// each carrier on the memory store. Read next to the HTTP benchmarks: it says how much of a
// request's cost is tessera's code and how much is Express, Node's HTTP stack and the GC.
//   npx tsc -p . && node dist/bench/in-process.js
import { randomBytes } from 'node:crypto'
import { createMemoryStore } from '../src/stores/memory.js'
import { createSessionManager, type SessionManagerOptions } from '../src/session/manager.js'
import type { ResponseSink } from '../src/session/request-session.js'

const REQUESTS = 200_000
const sink: ResponseSink = {
  setCookies() {},
  authenticated() {},
  loggedOut() {},
  presentError: (err) => err,
}
const request = (cookieHeader: string | undefined, method = 'GET') => ({
  cookieHeader,
  secure: false,
  method,
  host: 'localhost',
  ip: '127.0.0.1',
  userAgent: 'bench',
})

async function perRequest(options: SessionManagerOptions, update: boolean): Promise<number> {
  const manager = createSessionManager<{ username?: string; count?: number }>(options)
  let cookie = ''
  const login = await manager.open(request(undefined, 'POST'), {
    ...sink,
    setCookies: (values) => {
      cookie = values.map((v) => v.split(';')[0]).join('; ')
    },
  })
  await login.login('alice', { data: { username: 'alice' } })
  if (login.needsCommit()) await login.commit(true)
  const one = async () => {
    const s = await manager.open(request(cookie), sink)
    if (update) {
      await s.update((d) => {
        d.count = (d.count ?? 0) + 1
      })
    }
    if (s.needsCommit()) await s.commit(true)
    return s.data.username
  }
  for (let i = 0; i < REQUESTS / 10; i++) await one() // warm-up
  const start = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) await one()
  return Number(process.hrtime.bigint() - start) / REQUESTS / 1000
}

const keys = [{ id: 'bench', key: randomBytes(32) }]
// Renewal pushed past the run, as in the HTTP benchmarks of the cookie and token carriers.
const quiet = { keys, touchIntervalSeconds: 3600, idleTimeoutSeconds: 7200 }
const cases: [string, SessionManagerOptions, boolean][] = [
  ['server + memory, read', { carrier: 'server', store: createMemoryStore(), ...quiet }, false],
  ['server + memory, update()', { carrier: 'server', store: createMemoryStore(), ...quiet }, true],
  ['cookie (no store), read', { carrier: 'cookie', ...quiet }, false],
  ['token + memory, read', { carrier: 'token', store: createMemoryStore(), ...quiet }, false],
]
console.log(`node ${process.version}; ${REQUESTS} requests each, wall time per request`)
console.log('| carrier | µs/request |\n| --- | ---: |')
for (const [name, options, update] of cases) {
  console.log(`| ${name} | ${(await perRequest(options, update)).toFixed(2)} |`)
}
