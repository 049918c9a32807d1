// A tiny browser stand-in for HTTP tests: a cookie jar, same-origin headers, and the CSRF token
// read from the last page's form.

/** One response, with its body read. */
export interface Page {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** The Location header of a redirect, or null. */
  readonly location: string | null
}

/** The value of the first `_csrf` hidden field in a page, or throws. */
export function csrfTokenOf(body: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(body)
  if (match?.[1] === undefined) throw new Error('no _csrf field on the page')
  return match[1]
}

/** A client that keeps cookies like a browser and sends same-origin fetch metadata on POSTs. */
export class WebClient {
  readonly cookies = new Map<string, string>()
  readonly baseUrl: string
  readonly userAgent: string

  constructor(baseUrl: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0') {
    this.baseUrl = baseUrl
    this.userAgent = userAgent
  }

  private store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const expired = attributes.some((a) => /^\s*max-age=(0|-)/i.test(a))
      if (expired) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1).trim())
    }
  }

  /** The Cookie header this client would send. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  /** Sends a request with this client's cookies and records the ones it gets back. */
  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader())
    headers.set('user-agent', this.userAgent)
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' })
    this.store(res.headers)
    return {
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      location: res.headers.get('location'),
    }
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(path, { headers })
  }

  /** A same-origin form POST (the headers a browser sends for a form on this site). */
  post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.baseUrl,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
    })
  }

  /** GETs `formPage`, then POSTs `form` to `action` with the page's CSRF token. */
  async submit(formPage: string, action: string, form: Record<string, string>): Promise<Page> {
    const page = await this.get(formPage)
    return this.post(action, { _csrf: csrfTokenOf(page.body), ...form })
  }
}
