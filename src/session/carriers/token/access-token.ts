// The token carrier's access token: a JWT (typ at+jwt, RFC 9068 / RFC 8725 §3.11) carrying the
// session record. `sid` is the record's key; everything derived from it (list handles, CSRF
// tokens) is keyed, so reading it from the token grants nothing.
import { toKeyring, type KeyEntry, type KeyInput, type Keyring } from '../../../crypto/keyring.js'
import { uniqueId } from '../../../crypto/random.js'
import { isTesseraError, TesseraError, type TesseraErrorCode } from '../../../errors.js'
import { deepFreeze } from '../../../jwt/memo.js'
import { createCompactSigner, type JwtClaims } from '../../../jwt/sign.js'
import { integerOption, stringOption } from '../../../options.js'
import { createJwtVerifier } from '../../../jwt/verify.js'
import type { SessionRecord } from '../../../stores/store.js'
import { recordCounters, recordFromParts } from '../../record-codec.js'
import { createVerifiedCache } from '../../verified-cache.js'

/** Options of the access token. Durations are seconds. */
export interface AccessTokenOptions {
  /**
   * Keys bound to a JWS algorithm (e.g. `[generateKey('EdDSA')]`); the first signs, all verify.
   * Default: HS256 keys derived from the session keys. Serve `exportJwks(jwtKeys)` so other
   * services can verify access tokens.
   */
  readonly jwtKeys?: Keyring | readonly (KeyInput | KeyEntry)[] | undefined
  /** The access token's lifetime: 60 to 3600 (TO-3 suggests at most 900). Default 600. */
  readonly accessTokenSeconds?: number | undefined
  /** The `iss` written and required. Default `tessera`. */
  readonly issuer?: string | undefined
  /** The `aud` written and required. Default `tessera`. */
  readonly audience?: string | undefined
  /** Most bytes of JSON session data an access token may carry (it rides in a 4096-byte cookie). Default 2048. */
  readonly maxDataBytes?: number | undefined
}

/** Signs and verifies access tokens. */
export interface AccessTokens {
  /** The lifetime of a new access token in seconds (`accessTokenSeconds`). */
  readonly lifetimeSeconds: number
  /** The access token for `record`, signed at `now` (epoch ms). */
  sign(record: SessionRecord, now: number): string
  /** `sign`, with the record a verification of the token gives (null: none would). */
  issue(record: SessionRecord, now: number): SignedAccessToken
  /** The record a genuine, unexpired access token carries, or the reason it was refused. */
  verify(
    token: string,
    now: number,
  ): { record: SessionRecord; reason: null } | { record: null; reason: TesseraErrorCode }
}

/** An access token and the record it carries, as `verify` will read it back (frozen data). */
export interface SignedAccessToken {
  readonly token: string
  readonly record: SessionRecord | null
}

const TYP = 'at+jwt'
/** A token that does not fit in one cookie is not ours. */
const MAX_TOKEN_BYTES = 4096
const CLOCK_TOLERANCE_SECONDS = 5
const REQUIRED = ['sid', 'jti', 'iat', 'ses', 'data'] as const

/** Builds the access-token codec; checks its options once. */
export function createAccessTokens(
  keys: Keyring | readonly (KeyInput | KeyEntry)[],
  options: AccessTokenOptions,
): AccessTokens {
  const keyring = toKeyring(keys)
  if (
    !keyring.entries.some((e) => e.alg !== null && (e.secret !== null || e.privateKey !== null))
  ) {
    throw new TesseraError('ERR_KEY_INVALID', 'jwtKeys needs a signing key bound to an algorithm')
  }
  const lifetime = integerOption(options, 'accessTokenSeconds', 600, { min: 60, max: 3600 })
  const maxDataBytes = integerOption(options, 'maxDataBytes', 2048, { min: 1, max: 3072 })
  const issuer = stringOption(options, 'issuer', 'tessera')
  const audience = stringOption(options, 'audience', 'tessera')

  const verified = createVerifiedCache<{ record: SessionRecord; exp: number }>()
  const signer = createCompactSigner(keyring, { typ: TYP })
  const verifyToken = createJwtVerifier(keyring, {
    issuer,
    audience,
    typ: TYP,
    requiredClaims: REQUIRED,
    maxTokenBytes: MAX_TOKEN_BYTES,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  })
  // The claims every token carries, as JSON text once: `{"iss":…,"aud":…`.
  const fixedClaims = `{"iss":${JSON.stringify(issuer)},"aud":${JSON.stringify(audience)}`

  function issue(record: SessionRecord, now: number): SignedAccessToken {
    const data = JSON.stringify(record.data)
    if (data.length * 3 > maxDataBytes && Buffer.byteLength(data) > maxDataBytes) {
      throw new TesseraError(
        'ERR_COOKIE_INVALID',
        `session data is ${Buffer.byteLength(data)} bytes of JSON; the token carrier's access token carries at most maxDataBytes (${maxDataBytes})`,
      )
    }
    const iat = Math.floor(now / 1000)
    const exp = Math.min(iat + lifetime, Math.ceil(record.expiresAt / 1000))
    if (!Number.isFinite(exp)) {
      throw new TesseraError('ERR_CONFIG_INVALID', 'JWT claim exp must be a finite number')
    }
    const counters = recordCounters(record)
    // The claims set as JSON text, written in one pass: what JSON.stringify makes of
    // { iss, aud, sub?, sid, jti, iat, exp, ses, data } (a test holds them equal), without
    // serialising the data a second time. iat and exp are integers; jti is base64url.
    const payload =
      fixedClaims +
      (record.userId === null ? '' : `,"sub":${JSON.stringify(record.userId)}`) +
      `,"sid":${JSON.stringify(record.idHash)},"jti":"${uniqueId(16)}","iat":${iat},"exp":${exp}` +
      `,"ses":${JSON.stringify(counters)},"data":${data}}`
    const token = signer(payload)
    // What verifying this token will give, remembered now: the next request of this browser
    // presents it, and a token this process signed needs no signature check to be believed.
    // Built from the JSON text as the claims are, so it is what `verify` would return (frozen
    // data, no reference to the caller's objects); its exp is still checked on every use.
    const carried = recordFromParts(
      record.idHash,
      record.userId,
      deepFreeze(JSON.parse(data) as unknown),
      counters,
    )
    if (carried !== null) verified.set(token, { record: carried, exp })
    return { token, record: carried }
  }

  return {
    lifetimeSeconds: lifetime,
    issue,
    sign: (record, now) => issue(record, now).token,

    verify(token, now) {
      const known = verified.get(token)
      if (known !== undefined) {
        // Signature and claims were checked when it was first seen; only time has moved.
        if (now / 1000 >= known.exp + CLOCK_TOLERANCE_SECONDS) {
          return { record: null, reason: 'ERR_JWT_EXPIRED' }
        }
        return { record: known.record, reason: null }
      }
      let claims: JwtClaims
      try {
        claims = verifyToken(token, now).payload
      } catch (err) {
        return { record: null, reason: isTesseraError(err) ? err.code : 'ERR_TOKEN_MALFORMED' }
      }
      const record = toRecord(claims)
      if (record === null) return { record: null, reason: 'ERR_JWT_CLAIM_INVALID' }
      verified.set(token, { record, exp: claims.exp as number })
      return { record, reason: null }
    },
  }
}

function toRecord(claims: JwtClaims): SessionRecord | null {
  return recordFromParts(claims.sid, claims.sub ?? null, claims.data, claims.ses)
}
