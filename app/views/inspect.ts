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

function json(value: unknown): string {
  return JSON.stringify(value, null, 2)
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
            <pre data-testid="jwt-header">${json(f.decoded.header)}</pre>
            <p>Claims (decoded, not secret; the signature is what makes them trustworthy):</p>
            <pre data-testid="jwt-claims">${json(f.decoded.claims)}</pre>`
    }
  </div>`
}

/** GET /inspect: what the browser holds in the current carrier, and why a plain cookie is unsafe. */
export function inspectPage(
  frame: PageFrame,
  summary: string,
  findings: readonly CookieFinding[],
  demo: TutorialDemo,
): string {
  return layout(
    frame,
    html`<h1>What your browser holds</h1>
      <div class="card"><p>${summary}</p></div>
      ${
        findings.length === 0
          ? html`<div class="card"><p>Your browser sent no cookies to this site.</p></div>`
          : findings.map(finding)
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
