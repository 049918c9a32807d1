// HTML built only through the `html` tag: every interpolated value is escaped unless it is
// already SafeHtml, so a username such as `<script>` is shown as text, never run.

const SAFE = Symbol('SafeHtml')

/** A fragment of HTML that has already been escaped. */
export interface SafeHtml {
  readonly [SAFE]: true
  readonly text: string
}

function safe(text: string): SafeHtml {
  return { [SAFE]: true, text }
}

/** Escapes the five characters that matter in HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | Interpolation[]

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  if (isSafe(value)) return value.text
  return escapeHtml(String(value))
}

/**
 * Tagged template for HTML: interpolations are escaped, arrays are joined, null/undefined/false
 * render nothing.
 *
 * @example
 * html`<p>welcome ${username}</p>`
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return safe(out)
}
