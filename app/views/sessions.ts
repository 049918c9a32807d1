import { html, type SafeHtml } from './html.js'
import { csrfField, layout, type PageFrame } from './layout.js'

/** One row of the "your sessions" page, as the session library lists it. */
export interface SessionRow {
  readonly handle: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly current: boolean
}

const BROWSERS: readonly [RegExp, string][] = [
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node|undici/, 'Node.js'],
]
const SYSTEMS: readonly [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

/** A short human name for a user agent: "Firefox on Linux". */
export function describeDevice(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent === '') return 'Unknown device'
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1] ?? 'Unknown browser'
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1]
  return system === undefined ? browser : `${browser} on ${system}`
}

function when(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
}

/** The password field a form carries when the sign-in is not recent. */
function passwordField(ask: boolean, id: string): SafeHtml | null {
  if (!ask) return null
  return html`<label for="${id}" class="small">Your password</label>
    <input id="${id}" name="password" type="password" autocomplete="current-password" required />`
}

/**
 * GET /sessions: every active session of the user, with revoke buttons. With `askPassword`, each
 * form asks for the password again (the sign-in is not recent).
 */
export function sessionsPage(
  frame: PageFrame,
  rows: readonly SessionRow[],
  notice: string | null,
  askPassword: boolean,
): string {
  const sorted = [...rows].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt,
  )
  const body = sorted.map(
    (row, i) =>
      html`<tr data-testid="session-row">
        <td>
          ${describeDevice(row.userAgent)}
          ${row.current ? html` <span class="tag">this device</span>` : null}
        </td>
        <td>${row.ip ?? 'unknown'}</td>
        <td>${when(row.createdAt)}</td>
        <td>${when(row.lastSeenAt)}</td>
        <td>
          ${
            row.current
              ? html`<span class="muted">—</span>`
              : html`<form method="post" action="/sessions/revoke" class="inline">
                  ${csrfField(frame.csrfToken)}
                  <input type="hidden" name="handle" value="${row.handle}" />
                  ${passwordField(askPassword, `password-${i}`)}
                  <button type="submit" class="secondary">Revoke</button>
                </form>`
          }
        </td>
      </tr>`,
  )
  return layout(
    frame,
    html`<h1>Your sessions</h1>
      ${notice === null ? null : html`<p class="notice" role="status">${notice}</p>`}
      ${
        askPassword
          ? html`<p class="muted">
              You signed in a while ago: confirm your password to end a session.
            </p>`
          : null
      }
      <table>
        <caption class="muted">
          Where you are signed in (${rows.length})
        </caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP</th>
            <th scope="col">Created</th>
            <th scope="col">Last seen</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          ${body}
        </tbody>
      </table>
      <div class="card spaced">
        <form method="post" action="/sessions/logout-others">
          ${csrfField(frame.csrfToken)} ${passwordField(askPassword, 'password-others')}
          <button type="submit">Sign out everywhere else</button>
        </form>
      </div>`,
  )
}
