// tessera/cookie: the cookie header codec. Re-exports only.
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
export type { CookieAttributes, CookieRecord, CookieListRecord } from './codec.js'
