import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './paths.js'

/** One JWS example of RFC 7515, RFC 7520 or RFC 8037, as in shared/vectors/jws-rfc.json. */
export interface JwsVector {
  readonly id: string
  readonly alg: string
  readonly deterministic: boolean
  readonly key: Record<string, unknown> | null
  readonly publicKey: Record<string, unknown> | null
  readonly protectedHeader: Record<string, unknown>
  readonly protectedHeaderUtf8: string
  readonly protectedHeaderB64: string
  readonly payloadUtf8: string
  readonly payloadB64: string
  readonly payloadJson?: Record<string, unknown> | null
  readonly signatureB64: string
  readonly compact: string
  readonly expected: { readonly verify: boolean; readonly signMatchesCompact?: boolean }
}

// The vectors live beside the repository (<repo>/../shared/vectors), here and in CI alike; a git
// worktree kept one folder deeper (<root>/wt/<name>) finds them one level further up.
const candidates = [path.join('..', 'shared'), path.join('..', '..', 'shared')].map((dir) =>
  path.join(REPO_ROOT, dir, 'vectors', 'jws-rfc.json'),
)
const file = candidates.find((f) => existsSync(f)) ?? (candidates[0] as string)

/** Every vector of the shared file. */
export const JWS_VECTORS: readonly JwsVector[] = (
  JSON.parse(readFileSync(file, 'utf8')) as { vectors: JwsVector[] }
).vectors
