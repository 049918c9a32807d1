// The types every adapter entry point re-exports (`export type * from './public-types.js'`), so
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
