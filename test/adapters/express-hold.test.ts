// The adapter's hold on the response, over real HTTP: a plain assignment is committed before
// the response leaves, whichever way the handler ends it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sharedApp, withApp } from '../helpers/express-app.js'
import { client } from '../helpers/http.js'

describe('holdUntilCommitted', () => {
  const shared = sharedApp()

  it('commits a plain assignment before a redirect made right after it', async () => {
    const c = client(shared.server.url)
    const res = await c.request('/redirect-after-write')
    assert.equal(res.status, 302)
    assert.equal(res.setCookies.length, 1)
    assert.equal(JSON.parse((await c.request('/peek')).text).x, 'written')
  })

  it('commits nothing a handler left half-done when it threw', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const res = await c.request('/throw')
    assert.equal(res.status, 500)
    assert.equal(JSON.parse((await c.request('/peek')).text).x, undefined)
  })

  it('commits an assignment made after streaming began, for an existing session', async () => {
    const c = client(shared.server.url)
    await c.request('/views')
    const res = await c.request('/stream')
    assert.equal(res.text, 'ab')
    assert.equal(JSON.parse((await c.request('/peek')).text).streamed, true)
  })

  it('creates no session when the response was already streaming (no way to send its cookie)', async () => {
    const writes = shared.t.store.writes()
    const res = await client(shared.server.url).request('/stream')
    assert.equal(res.text, 'ab')
    assert.deepEqual(res.setCookies, [])
    assert.equal(shared.t.store.writes(), writes)
  })

  it('answers 503 instead of the handler’s response when the final commit fails', async () => {
    await withApp({}, async (t, server) => {
      const c = client(server.url)
      await c.request('/views')
      t.store.failing = 'replace'
      const res = await c.request('/views')
      assert.equal(res.status, 503)
      assert.equal(res.text, 'Session store unavailable; try again shortly.')
      t.store.failing = false
      assert.equal((await c.request('/views')).text, '2')
    })
  })
})
