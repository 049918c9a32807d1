// The public surface of the neutral layers. Re-exports only.
export { TesseraError, isTesseraError, TESSERA_ERROR_CODES } from './errors.js'
export type { TesseraErrorCode } from './errors.js'
export type { Clock } from './clock.js'
export { createKeyring, isKeyring, JWS_ALGORITHMS, MIN_SECRET_BYTES } from './crypto/keyring.js'
export type { Keyring, KeyEntry, KeyInput, JwsAlgorithm } from './crypto/keyring.js'
export { randomId } from './crypto/random.js'
export type {
  Store,
  SessionStore,
  SessionRecord,
  SessionMeta,
  RefreshTokenStore,
  RefreshTokenRecord,
} from './stores/store.js'
export { createMemoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export { createSessionManager } from './session/manager.js'
export type {
  SessionManager,
  SessionManagerOptions,
  CommonSessionOptions,
  CarrierConfig,
  ServerCarrierConfig,
  CookieCarrierConfig,
  TokenCarrierConfig,
  ManagerRequest,
} from './session/manager.js'
export type {
  SessionData,
  SessionInfo,
  SessionEvent,
  RequestSession,
  LoginOptions,
  ResponseSink,
  TokenResponse,
} from './session/request-session.js'
export { createServerCarrier } from './session/carriers/server/server-carrier.js'
export type { ServerCarrierOptions } from './session/carriers/server/server-carrier.js'
export { isLoopbackHost } from './session/carrier.js'
export type {
  Carrier,
  CarrierKind,
  CarrierRequest,
  CarrierLoad,
  CarrierWrite,
  CarrierCookieOptions,
  SessionDraft,
} from './session/carrier.js'
export { createSessionInspector, sessionIdHash } from './session/inspect.js'
export type { SessionInspector } from './session/inspect.js'
export { checkCsrf, createCsrfTokens } from './session/csrf.js'
export type { CsrfRequest, CsrfDecision, CsrfTokens } from './session/csrf.js'
export { createCookieCarrier } from './session/carriers/cookie/cookie-carrier.js'
export type { CookieCarrierOptions } from './session/carriers/cookie/cookie-carrier.js'
export { createTokenCarrier } from './session/carriers/token/token-carrier.js'
export type {
  TokenCarrierOptions,
  AccessTokenSource,
} from './session/carriers/token/token-carrier.js'
export type { AccessTokenOptions } from './session/carriers/token/access-token.js'
export type { RefreshReuse } from './session/carriers/token/refresh-family.js'
