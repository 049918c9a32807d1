// What every framework benchmark does with a server of bench/framework-server.mjs: start it as its
// own process (optionally under a wrapper such as valgrind, or with node flags), sign users in,
// and load GET /profile with one signed-in user per connection. Used by frameworks.mjs and the
// framework-{cpu,instructions,perf,profile}.mjs measures.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import autocannon from 'autocannon'

const SERVER = new URL('./framework-server.mjs', import.meta.url).pathname

/**
 * Starts `framework` `variant` and waits until it listens. `wrapper` is a command to run node
 * under (valgrind and its options), `nodeFlags` options for node itself.
 */
export async function startServer(framework, variant, { wrapper = [], nodeFlags = [] } = {}) {
  const command = [...wrapper, process.execPath, ...nodeFlags, SERVER, framework, variant]
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout, 'data')
  return { child, url: `http://127.0.0.1:${JSON.parse(String(line)).port}` }
}

/** Signs `users` users in (POST /login?user=u<i>); each one's `Cookie` header value. */
export async function signIn(url, users = 10) {
  const cookies = []
  for (let i = 0; i < users; i++) {
    const res = await fetch(`${url}/login?user=u${i}`, { method: 'POST', redirect: 'manual' })
    await res.arrayBuffer()
    cookies.push(
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    )
  }
  return cookies
}

/**
 * GET /profile for `seconds` over `connections` connections, each keeping one of `cookies`; the
 * autocannon result (a promise of it).
 */
export function loadProfile(url, cookies, seconds, connections = 10) {
  let next = 0
  return autocannon({
    url: `${url}/profile`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request, context) => {
          context.cookie ??= cookies[next++ % cookies.length]
          return { ...request, headers: { ...request.headers, cookie: context.cookie } }
        },
      },
    ],
  })
}
