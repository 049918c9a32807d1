import { html } from './html.js'
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

/** GET /sessions: every active session of the user, with revoke buttons. */
export function sessionsPage(
  frame: PageFrame,
  rows: readonly SessionRow[],
  notice: string | null,
): string {
  const sorted = [...rows].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt,
  )
  const body = sorted.map(
    (row) =>
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
          ${csrfField(frame.csrfToken)}
          <button type="submit">Sign out everywhere else</button>
        </form>
      </div>`,
  )
}
