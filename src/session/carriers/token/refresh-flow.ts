// The token carrier's refresh flow: a family of refresh tokens starts with each session, and a
// refresh token (from the refresh cookie inside the middleware, or from an API client's refresh
// call) is rotated once for the next one of its family (RFC 9700 §4.14.2). The carrier decides
// how the tokens travel (cookies or a JSON body).
import { isTesseraError, type TesseraErrorCode } from '../../../errors.js'
import type { SessionRecord, Store } from '../../../stores/store.js'
import type { RevocationCache } from '../../revocation-cache.js'
import type { StoreCall } from '../../store-call.js'
import {
  issueRefreshToken,
  rotateRefreshToken,
  type RefreshReuse,
  type SuccessorKey,
} from './refresh-family.js'

/** What the refresh flow needs from its token carrier. */
export interface RefreshFlowOptions {
  readonly store: Store
  readonly storeCall: StoreCall
  /** The family's absolute lifetime, ms: no refresh extends a session past it. */
  readonly absoluteMs: number
  readonly graceSeconds: number
  /** From `refreshSuccessorKey`: every use of a token inside the grace window gets one successor. */
  readonly successorKey: SuccessorKey
  /** The carrier's revocation cache, or null when revocation checks are off. */
  readonly live: RevocationCache<SessionRecord | null> | null
  readonly onRefreshReuse?: ((reuse: RefreshReuse) => void) | undefined
}

/** The outcome of a rotation: the session renewed and the family's next token, or why not. */
export type Rotation =
  | { readonly record: SessionRecord; readonly next: string; readonly reason: null }
  | { readonly record: null; readonly reason: TesseraErrorCode }

/** Starts and rotates the refresh-token families of one token carrier. */
export interface RefreshFlow {
  /** Starts the family of a new session; returns its first refresh token. */
  start(record: SessionRecord): Promise<string>
  /** Uses `token` once: the session it renews and the next token, or the reason it was refused. */
  rotate(token: string, at: number): Promise<Rotation>
}

/** Builds the refresh flow of a token carrier. */
export function createRefreshFlow(options: RefreshFlowOptions): RefreshFlow {
  const { store, storeCall, absoluteMs, graceSeconds, live } = options

  async function start(record: SessionRecord): Promise<string> {
    const issued = await storeCall(
      'insert',
      issueRefreshToken(store.refreshTokens, {
        familyId: record.idHash,
        userId: record.userId ?? '',
        now: record.createdAt,
        expiresAt: record.createdAt + absoluteMs,
      }),
    )
    return issued.token
  }

  async function rotate(token: string, at: number): Promise<Rotation> {
    let next
    const reused: { familyId?: string } = {}
    try {
      next = await storeCall(
        'refresh',
        rotateRefreshToken(store.refreshTokens, token, {
          now: at,
          graceSeconds,
          successorKey: options.successorKey,
          onReuse: (reuse) => {
            reused.familyId = reuse.familyId
            options.onRefreshReuse?.(reuse)
          },
        }),
      )
    } catch (err) {
      // A store failure stays an error (503); a refused token is no session.
      if (!isTesseraError(err) || err.code === 'ERR_STORE_UNAVAILABLE') throw err
      // RT-3: a reuse ends the session too (the family id is its key), so the family's live
      // access tokens die with it instead of working until they expire.
      if (reused.familyId !== undefined) {
        await storeCall('delete', store.sessions.delete(reused.familyId))
        live?.invalidate(reused.familyId)
      }
      return { record: null, reason: err.code }
    }
    const record = await storeCall('get', store.sessions.get(next.familyId))
    if (record === null) {
      // The session was revoked or has expired: its family goes with it.
      await storeCall('revokeFamily', store.refreshTokens.revokeFamily(next.familyId, at))
      return { record: null, reason: 'ERR_SESSION_NOT_FOUND' }
    }
    return { record, next: next.token, reason: null }
  }

  return { start, rotate }
}
