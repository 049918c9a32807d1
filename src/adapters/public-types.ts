// The types every adapter entry point re-exports (with `export type *` of this module), so
// an app imports them from the entry it mounts.
export type {
  RequestSession,
  SessionData,
  SessionInfo,
  SessionEvent,
  TokenResponse,
} from '../session/request-session.js'
export type { KeyInput, Keyring } from '../crypto/keyring.js'
export type { SessionOptions, SessionsApi } from './core.js'
