import { html } from './html.js'
import { layout, type PageFrame } from './layout.js'

/** GET /profile: the tutorial's page, a welcome and a visit counter. */
export function profilePage(frame: PageFrame, username: string, views: number): string {
  return layout(
    frame,
    html`<h1>welcome ${username}</h1>
      <div class="card">
        <p>
          You have seen this page
          <strong class="count" data-testid="views">${views}</strong>
          ${views === 1 ? 'time' : 'times'} in this session. Reload to count again.
        </p>
      </div>
      <div class="card">
        <p>
          See <a href="/sessions">where you are signed in</a>, or
          <a href="/inspect">what your browser holds</a> for the <code>${frame.carrier}</code>
          carrier.
        </p>
      </div>`,
  )
}
