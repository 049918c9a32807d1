import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { JWS_ALGORITHMS, generateKey, type JwsAlgorithm } from 'tessera-session/jwt'
import { print, printJson, UsageError, type Command } from './output.js'

const USAGE = `usage: tessera key generate [--alg <alg>] [--json]

Prints a new key on stdout.

Without --alg: 32 random bytes as base64url, for TESSERA_SESSION_KEY.
With --alg (${JWS_ALGORITHMS.join(', ')}):
  HS* prints a base64url secret; the others print the private key as a JWK.

Options:
  --alg <alg>   a JWS algorithm
  --json        print { alg, kid, key } or { alg, kid, jwk } as JSON
`

function generate(alg: JwsAlgorithm | undefined): Record<string, unknown> {
  if (alg === undefined) return { alg: null, key: randomBytes(32).toString('base64url') }
  const entry = generateKey(alg)
  if (entry.secret !== null) return { alg, kid: entry.id, key: entry.secret.toString('base64url') }
  const jwk = entry.privateKey?.export({ format: 'jwk' }) ?? {}
  return { alg, kid: entry.id, jwk: { ...jwk, kid: entry.id, alg } }
}

/** `tessera key generate`: a session secret or a JWS key. */
export const keyCommand: Command = {
  name: 'key',
  summary: 'generate a session secret or a JWT signing key',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { alg: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (positionals.length !== 1 || positionals[0] !== 'generate') {
      throw new UsageError('expected "key generate"')
    }
    const alg = values.alg
    if (alg !== undefined && !(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new UsageError(`--alg must be one of ${JWS_ALGORITHMS.join(', ')}; got "${alg}"`)
    }
    const result = generate(alg as JwsAlgorithm | undefined)
    if (values.json === true) printJson(result)
    else if ('jwk' in result) print(JSON.stringify(result.jwk))
    else print(String(result.key))
    return 0
  },
}
