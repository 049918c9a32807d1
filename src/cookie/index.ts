// tessera/cookie: the cookie header codec, signed values and sealed values. Re-exports only.
export {
  parseCookie,
  parseCookieAll,
  serializeCookie,
  MAX_COOKIE_BYTES,
  MAX_COOKIE_HEADER_BYTES,
  MAX_ATTRIBUTE_VALUE_BYTES,
  MAX_SET_COOKIE_BYTES,
  MAX_COOKIE_AGE_SECONDS,
} from './codec.js'
export type {
  CookieAttributes,
  CookieRecord,
  CookieListRecord,
  SameSite,
  SameSiteInput,
} from './codec.js'
export { signValue, verifyValue } from './signed.js'
export type { SignedValueOptions, VerifiedValue } from './signed.js'
export { sealValue, unsealValue } from './sealed.js'
export type { SealValueOptions, UnsealValueOptions, UnsealedValue } from './sealed.js'
export type { ValueBinding } from './value-keys.js'
