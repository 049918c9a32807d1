// GET /inspect on the shipped app, fed hostile cookies: JWT-shaped values with deeply nested
// headers and claims under names the app never sets, and under its own session cookie name. The
// page decodes only the carrier's own token and bounds what it prints, so a request of a few
// KiB never becomes a page of megabytes.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { forEachShippedApp } from '../../helpers/shipped-app.js'

/** A JWT-shaped value whose header and claims nest arrays `depth` deep. */
function nestedJwt(depth: number): string {
  const nested = '['.repeat(depth) + ']'.repeat(depth)
  const b64 = (json: string) => Buffer.from(json).toString('base64url')
  return `${b64(`{"alg":"HS256","x":${nested}}`)}.${b64(`{"sub":"a","y":${nested}}`)}.c2ln`
}

/** The most a page about a 16 KiB Cookie header may weigh. */
const MAX_PAGE_BYTES = 64 * 1024

forEachShippedApp('/inspect with hostile cookies', (app, { carrier }) => {
  it('four foreign JWT-shaped cookies with nested headers: a small page that decodes none of them', async () => {
    const foreign = ['a', 'b', 'c', 'd'].map((name) => `${name}=${nestedJwt(700)}`)
    const res = await fetch(`${app().url}/inspect`, { headers: { cookie: foreign.join('; ') } })
    const body = await res.text()
    assert.equal(res.status, 200)
    const bytes = Buffer.byteLength(body)
    assert.ok(bytes < MAX_PAGE_BYTES, `a ${bytes}-byte page for a 12 KiB Cookie header`)
    assert.doesNotMatch(body, /data-testid="jwt-(header|claims)"/, 'no foreign cookie decoded')
    assert.doesNotMatch(body, /\[\s*\[\s*\[/, 'none of their nesting printed')
  })

  it('the session cookie name with a nested JWT: depth and size bounded', async () => {
    const res = await fetch(`${app().url}/inspect`, {
      headers: { cookie: `tessera=${nestedJwt(700)}` },
    })
    const body = await res.text()
    assert.equal(res.status, 200)
    const bytes = Buffer.byteLength(body)
    assert.ok(bytes < MAX_PAGE_BYTES, `a ${bytes}-byte page`)
    if (carrier === 'token') {
      // The token carrier's own cookie is a JWT: decoded, but only a few levels deep.
      assert.match(body, /data-testid="jwt-header"/)
      assert.doesNotMatch(body, /(\[\s*){10}/, 'nesting cut off after a few levels')
    } else {
      assert.doesNotMatch(body, /data-testid="jwt-(header|claims)"/, 'not this carrier’s format')
    }
  })

  it('thousands of tiny cookies: the page lists a bounded number of them', async () => {
    const many = Array.from({ length: 1400 }, (_, i) => `c${i}=1`).join('; ')
    const res = await fetch(`${app().url}/inspect`, { headers: { cookie: many } })
    const body = await res.text()
    assert.equal(res.status, 200)
    const bytes = Buffer.byteLength(body)
    assert.ok(bytes < MAX_PAGE_BYTES, `a ${bytes}-byte page for ${many.length} bytes of cookies`)
  })
})
