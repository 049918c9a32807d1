// The public surface of the neutral layers. Re-exports only, and only what docs/ documents
// (test/architecture.test.ts keeps the two in step). The carriers and the session manager are
// internal: the adapters import them by relative path.
export { TesseraError, isTesseraError, TESSERA_ERROR_CODES } from './errors.js'
export type { TesseraErrorCode } from './errors.js'
export type { Clock } from './clock.js'
export { createKeyring } from './crypto/keyring.js'
export type { Keyring, KeyEntry, KeyInput, JwsAlgorithm } from './crypto/keyring.js'
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
export type {
  SessionData,
  SessionInfo,
  SessionEvent,
  RequestSession,
  LoginOptions,
  TokenResponse,
} from './session/request-session.js'
export { isLoopbackHost } from './session/carrier.js'
export { createSessionInspector, sessionIdHash } from './session/inspect.js'
export type { SessionInspector } from './session/inspect.js'
/** The options every adapter's `session()` takes (each adapter adds its own few). */
export type { SessionManagerOptions } from './session/manager.js'
