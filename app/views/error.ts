import { html } from './html.js'
import { layout, type PageFrame } from './layout.js'

const TITLES: Record<number, string> = {
  400: 'That request could not be read',
  403: 'That request was refused',
  404: 'Page not found',
  413: 'That request was too large',
  415: 'That kind of request is not accepted here',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
}

/** A generic error page: a status, a plain sentence and a correlation id, never internals. */
export function errorPage(frame: PageFrame, status: number, correlationId: string): string {
  const title = TITLES[status] ?? 'Something went wrong'
  return layout(
    { ...frame, title },
    html`<h1>${title}</h1>
      <div class="card">
        <p>Status ${status}. If this keeps happening, quote this reference:</p>
        <p><code>${correlationId}</code></p>
        <p><a href="/">Back to the start</a></p>
      </div>`,
  )
}
