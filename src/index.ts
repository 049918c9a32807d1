// The public surface of the neutral layers. Re-exports only.
export { TesseraError, isTesseraError, TESSERA_ERROR_CODES } from './errors.js'
export type { TesseraErrorCode } from './errors.js'
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
