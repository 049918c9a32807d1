import { html } from './html.js'
import { csrfField, layout, type PageFrame } from './layout.js'

/** Limits shown to the user and enforced by the accounts module. */
export interface CredentialLimits {
  readonly usernameMaxChars: number
  readonly passwordMinChars: number
  readonly passwordMaxChars: number
}

/**
 * The sign-in form. `error` is the one generic message every failure gets; `notice` a fixed
 * sentence chosen by the app (never text from the request).
 */
export function loginPage(
  frame: PageFrame,
  error: string | null,
  username = '',
  notice: string | null = null,
): string {
  return layout(
    frame,
    html`<h1>Sign in</h1>
      <div class="card">
        ${notice === null ? null : html`<p class="notice" role="status">${notice}</p>`}
        ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
        <form method="post" action="/login">
          ${csrfField(frame.csrfToken)} ${usernameField(username)}
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          <p>
            <label><input name="remember" type="checkbox" value="on" /> Remember me</label>
          </p>
          <p><button type="submit">Sign in</button></p>
        </form>
        <p class="muted">No account yet? <a href="/register">Register</a>.</p>
      </div>`,
  )
}

/** The registration form. */
export function registerPage(
  frame: PageFrame,
  limits: CredentialLimits,
  error: string | null,
  username = '',
): string {
  return layout(
    frame,
    html`<h1>Create an account</h1>
      <div class="card">
        ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
        <form method="post" action="/register">
          ${csrfField(frame.csrfToken)} ${usernameField(username, limits.usernameMaxChars)}
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength="${limits.passwordMinChars}"
            maxlength="${limits.passwordMaxChars}"
            aria-describedby="password-help"
          />
          <p id="password-help" class="muted">
            ${limits.passwordMinChars} to ${limits.passwordMaxChars} characters; a passphrase is
            fine.
          </p>
          <p><button type="submit">Register</button></p>
        </form>
        <p class="muted">Already registered? <a href="/login">Sign in</a>.</p>
      </div>`,
  )
}

/** GET /logout: a confirmation, since signing out changes state and so needs a POST. */
export function logoutPage(frame: PageFrame): string {
  return layout(
    frame,
    html`<h1>Sign out</h1>
      <div class="card">
        <p>Sign out of this device?</p>
        <form method="post" action="/logout">
          ${csrfField(frame.csrfToken)}
          <button type="submit">Sign out</button>
          <a href="/profile">Cancel</a>
        </form>
      </div>`,
  )
}

/** The labelled username input both forms start with; `maxChars` is shown where it is enforced. */
function usernameField(username: string, maxChars?: number) {
  return html`<label for="username">Username</label>
    <input
      id="username"
      name="username"
      type="text"
      autocomplete="username"
      required
      ${maxChars === undefined ? null : html`maxlength="${maxChars}"`}
      value="${username}"
      autofocus
    />`
}
