// The token carrier's refresh flow: a family of refresh tokens starts with each session, and an
// expired access token presented with a refresh cookie is renewed inside the middleware by
// rotating that cookie's token (RFC 9700 §4.14.2), so routes never see the refresh.
import { isTesseraError, type TesseraErrorCode } from '../../../errors.js'
import type { SessionRecord, Store } from '../../../stores/store.js'
import type { CarrierLoad, CarrierRequest } from '../../carrier.js'
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
  readonly refuse: (reason: TesseraErrorCode, request: CarrierRequest) => CarrierLoad
  readonly accessCookie: (record: SessionRecord, request: CarrierRequest) => string
  readonly refreshCookie: (token: string, request: CarrierRequest) => string
  readonly onRefreshReuse?: ((reuse: RefreshReuse) => void) | undefined
}

/** Starts and rotates the refresh-token families of one token carrier. */
export interface RefreshFlow {
  /** Starts the family of a new session; returns the refresh cookie that carries its token. */
  start(record: SessionRecord, request: CarrierRequest): Promise<string>
  /** The session a refresh token renews, with its new access and refresh cookies. */
  refresh(token: string, request: CarrierRequest, at: number): Promise<CarrierLoad>
}

/** Builds the refresh flow of a token carrier. */
export function createRefreshFlow(options: RefreshFlowOptions): RefreshFlow {
  const { store, storeCall, absoluteMs, graceSeconds, live, refuse } = options
  const { accessCookie, refreshCookie } = options

  async function start(record: SessionRecord, request: CarrierRequest): Promise<string> {
    const issued = await storeCall(
      'insert',
      issueRefreshToken(store.refreshTokens, {
        familyId: record.idHash,
        userId: record.userId ?? '',
        now: record.createdAt,
        expiresAt: record.createdAt + absoluteMs,
      }),
    )
    return refreshCookie(issued.token, request)
  }

  async function refresh(token: string, request: CarrierRequest, at: number): Promise<CarrierLoad> {
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
      return refuse(err.code, request)
    }
    const record = await storeCall('get', store.sessions.get(next.familyId))
    if (record === null) {
      // The session was revoked or has expired: its family goes with it.
      await storeCall('revokeFamily', store.refreshTokens.revokeFamily(next.familyId, at))
      return refuse('ERR_SESSION_NOT_FOUND', request)
    }
    return {
      record,
      reason: null,
      setCookies: [accessCookie(record, request), refreshCookie(next.token, request)],
    }
  }

  return { start, refresh }
}
