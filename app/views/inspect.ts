import { html, type SafeHtml } from './html.js'
import { layout, type PageFrame } from './layout.js'

/** What the inspect page found in one cookie the browser sent. */
export interface CookieFinding {
  readonly name: string
  readonly bytes: number
  /** The first few characters only: a page body never shows a whole session secret. */
  readonly preview: string
  readonly meaning: string
  /** For a JWT: its header and claims, decoded without verification (they are not secret). */
  readonly decoded?: { readonly header: unknown; readonly claims: unknown } | undefined
}

/** The tutorial's plain JSON cookie, and the same cookie after anyone edits it. */
export interface TutorialDemo {
  readonly original: string
  readonly edited: string
  /** What tessera did with an edited copy of this browser's own session cookie. */
  readonly tamperResult: string | null
}

/** The cookies the page lists, and how many more the request carried. */
export interface CookieListing {
  readonly findings: readonly CookieFinding[]
  readonly unlisted: number
}

/** How much of a decoded token the page prints (its header or claims, each). */
export const DECODED_LIMITS = { depth: 4, entries: 20, stringChars: 100, totalChars: 2000 } as const

/**
 * `value` as indented JSON, cut short: past `depth` levels an object or array shows as `{…}` or
 * `[…]`, past `entries` members as `…`, a long string ends in `…`, and the whole stops at about
 * `totalChars`. A token's header or claims can nest a thousand levels in 4 KiB; indenting all of
 * them would print megabytes.
 */
export function boundedJson(value: unknown): string {
  const limits = DECODED_LIMITS
  let out = ''
  const full = () => out.length >= limits.totalChars
  const scalar = (v: unknown): string => {
    const text = JSON.stringify(typeof v === 'string' ? v.slice(0, limits.stringChars) : v)
    return typeof v === 'string' && v.length > limits.stringChars
      ? `${text.slice(0, -1)}…"`
      : (text ?? 'null')
  }
  const write = (v: unknown, depth: number, indent: string): void => {
    if (full()) return
    if (typeof v !== 'object' || v === null) {
      out += scalar(v)
      return
    }
    const array = Array.isArray(v)
    const [open, close] = array ? ['[', ']'] : ['{', '}']
    const members: [string | null, unknown][] = array
      ? (v as unknown[]).map((item) => [null, item])
      : Object.entries(v)
    if (members.length === 0) {
      out += open + close
      return
    }
    if (depth >= limits.depth) {
      out += `${open}…${close}`
      return
    }
    const inner = indent + '  '
    out += open
    for (const [i, [key, item]] of members.slice(0, limits.entries).entries()) {
      if (full()) break
      out += `${i === 0 ? '' : ','}\n${inner}${key === null ? '' : `${scalar(key)}: `}`
      write(item, depth + 1, inner)
    }
    if (members.length > limits.entries) out += `,\n${inner}…`
    out += `\n${indent}${close}`
  }
  write(value, 0, '')
  return full() ? `${out.slice(0, limits.totalChars)}…` : out
}

function finding(f: CookieFinding): SafeHtml {
  return html`<div class="card" data-testid="cookie">
    <h2><code>${f.name}</code> <span class="muted">${f.bytes} bytes</span></h2>
    <p>Starts with <code>${f.preview}</code>…</p>
    <p>${f.meaning}</p>
    ${
      f.decoded === undefined
        ? null
        : html`<p>Header (decoded, not secret):</p>
            <pre data-testid="jwt-header">${boundedJson(f.decoded.header)}</pre>
            <p>Claims (decoded, not secret; the signature is what makes them trustworthy):</p>
            <pre data-testid="jwt-claims">${boundedJson(f.decoded.claims)}</pre>`
    }
  </div>`
}

/** GET /inspect: what the browser holds in the current carrier, and why a plain cookie is unsafe. */
export function inspectPage(
  frame: PageFrame,
  summary: string,
  cookies: CookieListing,
  demo: TutorialDemo,
): string {
  return layout(
    frame,
    html`<h1>What your browser holds</h1>
      <div class="card"><p>${summary}</p></div>
      ${
        cookies.findings.length === 0
          ? html`<div class="card"><p>Your browser sent no cookies to this site.</p></div>`
          : cookies.findings.map(finding)
      }
      ${
        cookies.unlisted === 0
          ? null
          : html`<div class="card">
              <p>…and ${cookies.unlisted} more cookies, not listed here.</p>
            </div>`
      }
      <h2>Why not the tutorial's plain JSON cookie?</h2>
      <div class="card">
        <p>The tutorial stored the session as readable JSON in a cookie, for example:</p>
        <pre>${demo.original}</pre>
        <p>
          Anyone can edit a cookie in their browser's developer tools. Change one value and a server
          that trusts the cookie now believes you are someone else:
        </p>
        <pre>${demo.edited}</pre>
        <p>
          tessera never trusts what it cannot verify: a sealed cookie is authenticated with
          AES-256-GCM, a JWT is signed, and a session id is only a random key into the store.
        </p>
        ${
          demo.tamperResult === null
            ? null
            : html`<p data-testid="tamper-result"><strong>Proof:</strong> ${demo.tamperResult}</p>`
        }
      </div>`,
  )
}
