// connect-pg-simple ships no types; the benchmark uses only its constructor.
declare module 'connect-pg-simple' {
  import type session from 'express-session'
  export default function connectPgSimple(
    s: typeof session,
  ): new (options: Record<string, unknown>) => session.Store
}
