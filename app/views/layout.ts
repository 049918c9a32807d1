import { html, type SafeHtml } from './html.js'

/** What every page needs to draw its frame. */
export interface PageFrame {
  readonly title: string
  /** The signed-in user's name, or null. */
  readonly username: string | null
  /** The carrier in use, shown in the footer. */
  readonly carrier: string
  /** The CSRF token for forms on this page (the sign-out button included). */
  readonly csrfToken: string
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`
}

/** The whole document around a page's main content. */
export function layout(frame: PageFrame, main: SafeHtml): string {
  const nav =
    frame.username === null
      ? html`<a href="/login">Sign in</a> <a href="/register">Register</a>
          <a href="/inspect">Inspect</a>`
      : html`<a href="/profile">Profile</a> <a href="/sessions">Your sessions</a>
          <a href="/inspect">Inspect</a>
          <form method="post" action="/logout" class="inline">
            ${csrfField(frame.csrfToken)}<button type="submit">Sign out</button>
          </form>`
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} · tessera</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body>
        <header>
          <span class="brand">tessera</span>
          <nav aria-label="Main">${nav}</nav>
        </header>
        <main>${main}</main>
        <footer>reference app · carrier <code>${frame.carrier}</code></footer>
      </body>
    </html>`.text
}

/** The stylesheet served at /style.css (a file, so the CSP needs no 'unsafe-inline'). */
export const STYLESHEET = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --accent: #2657d9; --line: #d9dde6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #f6f7fa; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .75rem 1.5rem; background: #fff;
  border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.brand { font-weight: 700; letter-spacing: .02em; }
nav { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
nav a { color: var(--accent); }
main { max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; }
footer { max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; color: var(--muted); font-size: .875rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.25rem 1.5rem; margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input[type=text], input[type=password] { width: 100%; max-width: 22rem; padding: .5rem; font: inherit;
  border: 1px solid #aab1c0; border-radius: 4px; }
button { font: inherit; padding: .45rem 1rem; border-radius: 4px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.inline { display: inline; margin: 0; }
nav button { padding: .2rem .75rem; }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.error { background: #fdecec; border: 1px solid #e3a1a1; padding: .6rem .9rem; border-radius: 4px; }
.notice { background: #eaf6ec; border: 1px solid #9fd0a8; padding: .6rem .9rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: .875rem; }
pre { background: #0f1420; color: #e7ebf3; padding: .75rem 1rem; border-radius: 6px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; }
.count { font-size: 2rem; font-weight: 700; padding: 0 .25rem; }
.muted { color: var(--muted); }
.spaced { margin-top: 1rem; }
label.small { display: inline; font-weight: 400; margin: 0 .25rem; }
td input[type=password] { width: 10rem; }
.tag { display: inline-block; padding: 0 .5rem; border-radius: 999px; background: #e3ebff; color: #1f3f99; font-size: .8rem; }
`
