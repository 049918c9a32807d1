// A minimal browser cookie jar for tests: applies Set-Cookie values in order (Max-Age=0
// deletes) and builds the Cookie header the next request sends.

/** Cookies by name, as a browser would hold them for one origin and path `/`. */
export interface CookieJar {
  readonly cookies: Map<string, string>
  /** Applies `Set-Cookie` values in order, as a browser does. */
  apply(setCookies: readonly string[]): void
  /** The `Cookie` header to send, or undefined when the jar is empty. */
  header(): string | undefined
  /** A copy: another tab of the same browser, or a thief's copy of the cookies. */
  clone(): CookieJar
}

export function cookieJar(initial: Iterable<[string, string]> = []): CookieJar {
  const cookies = new Map(initial)
  return {
    cookies,
    apply(setCookies) {
      for (const line of setCookies) {
        const [pair = '', ...attributes] = line.split(';')
        const eq = pair.indexOf('=')
        const name = pair.slice(0, eq).trim()
        const value = pair.slice(eq + 1).trim()
        const deletes = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
        if (deletes) cookies.delete(name)
        else cookies.set(name, value)
      }
    },
    header() {
      if (cookies.size === 0) return undefined
      return [...cookies].map(([n, v]) => `${n}=${v}`).join('; ')
    },
    clone: () => cookieJar(cookies),
  }
}
