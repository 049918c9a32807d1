import type { Command } from './output.js'

const STORE_HELP = `  --store <name>      memory | sqlite | redis | postgres (default sqlite; env TESSERA_STORE)
  --data-dir <dir>    where the SQLite files and the development key live (default ./data)
                      redis needs REDIS_URL, postgres needs DATABASE_URL`

/** `tessera serve`: the reference app, as `npm start` runs it. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the reference web app (what npm start runs)',
  usage: `usage: tessera serve [--carrier cookie|server|token] [--store <name>] [--port <n>] [--host <addr>]
                     [--trust-proxy <hops|addresses>]

Runs the reference app until Ctrl-C.

Options:
  --carrier <name>    cookie | server | token (default server; env TESSERA_CARRIER)
${STORE_HELP}
  --port <n>          default 3000 (env PORT); 0 picks a free port
  --host <addr>       default 127.0.0.1 (env HOST)
  --trust-proxy <v>   believe X-Forwarded-Proto/-For from the proxies in front of the app: a hop
                      count (1) or addresses, CIDR ranges, loopback, linklocal, uniquelocal
                      (comma-separated); default none (env TESSERA_TRUST_PROXY)

The session key comes from TESSERA_SESSION_KEY (base64url, >= 32 bytes; make one with
"tessera key generate"). Without it, a development key is created under the data directory,
except with NODE_ENV=production, where a missing key stops the start.
`,
  async run(argv) {
    // Loaded only here: the app is not needed by the other commands.
    const { loadConfig } = await import('../../app/config.js')
    const { runServe } = await import('../../app/serve.js')
    return runServe(loadConfig(argv, process.env))
  },
}
