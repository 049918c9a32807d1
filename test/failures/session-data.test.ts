// Issue 16, clear failures: session data that cannot be stored is refused where it is assigned.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import express, { type ErrorRequestHandler } from 'express'
import { session } from '../../src/adapters/express.js'
import { isTesseraError } from '../../src/errors.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { client, listen } from '../helpers/http.js'
import { testKeys } from '../helpers/session.js'

/** What reached the error path for a handler doing `act(data)`, and where it was thrown. */
async function refusal(
  carrier: 'server' | 'cookie',
  act: (data: Record<string, unknown>, req: express.Request) => Promise<void> | void,
): Promise<{ status: number; error: unknown; handlerFinished: boolean }> {
  let error: unknown
  let handlerFinished = false
  const app = express()
  app.use(session({ carrier, store: createMemoryStore(), keys: testKeys() }))
  app.get('/', async (req, res) => {
    await act(req.session.data as Record<string, unknown>, req)
    handlerFinished = true
    res.send('ok')
  })
  const handler: ErrorRequestHandler = (err, _req, res, _next) => {
    error = err
    res.status((err as { status?: number }).status ?? 500).send('error')
  }
  app.use(handler)
  const server = await listen(app)
  try {
    const { status } = await client(server.url).request('/')
    return { status, error, handlerFinished }
  } finally {
    await server.close()
  }
}

function assertDataInvalid(error: unknown, pattern: RegExp): void {
  const original = (error as { cause?: unknown } | undefined)?.cause ?? error
  assert.ok(isTesseraError(original, 'ERR_SESSION_DATA_INVALID'), String(original))
  assert.match(original.message, pattern)
}

describe('a value session data cannot store', () => {
  it('a BigInt assigned is refused at the assignment, naming the key', async () => {
    const r = await refusal('server', (data) => void (data.visits = 10n))
    assert.equal(r.handlerFinished, false, 'thrown in the handler, not after it')
    assert.equal(r.status, 500)
    assertDataInvalid(r.error, /session data "visits" .* is a BigInt/)
  })

  it('a circular value assigned is refused at the assignment, naming the key', async () => {
    const node: Record<string, unknown> = {}
    node.self = node
    const r = await refusal('server', (data) => void (data.tree = node))
    assert.equal(r.handlerFinished, false)
    assertDataInvalid(r.error, /session data "tree" .*refers to itself at \.self/)
  })

  it('in update(), naming the key', async () => {
    const r = await refusal('server', (_data, req) =>
      req.session.update((d) => void ((d as Record<string, unknown>).n = 1n)),
    )
    assert.equal(r.handlerFinished, false)
    assertDataInvalid(r.error, /session data "n" .*BigInt/)
  })

  it('too large for the cookie carrier, by plain assignment: refused there, naming maxChunks', async () => {
    const r = await refusal('cookie', (data) => void (data.blob = 'x'.repeat(20_000)))
    assert.equal(r.handlerFinished, false)
    assert.equal(r.status, 500)
    assertDataInvalid(r.error, /session data "blob" .*maxChunks \(3\)/)
  })

  it('what can be stored is still accepted as before', async () => {
    const r = await refusal('cookie', (data) => {
      data.when = new Date(0)
      data.list = [1, 'two', { three: null }]
      data.shared = { a: data.list, b: data.list } // shared, not circular
    })
    assert.equal(r.handlerFinished, true)
    assert.equal(r.status, 200)
  })
})
