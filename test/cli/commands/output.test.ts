import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withProgress, type ProgressStream } from '../../../cli/commands/output.js'

/** A stream that records writes and lets a step wait for the first one (bounded). */
function recorder(
  isTTY: boolean,
): ProgressStream & { written: string[]; firstWrite: Promise<void> } {
  let wrote = () => {}
  const firstWrite = new Promise<void>((resolve) => {
    wrote = resolve
    setTimeout(resolve, 2000).unref()
  })
  const written: string[] = []
  return {
    isTTY,
    written,
    firstWrite,
    write(text: string) {
      written.push(text)
      wrote()
    },
  }
}

describe('withProgress', () => {
  it('on a terminal, shows the elapsed time while a step runs and clears the line after', async () => {
    const stream = recorder(true)
    const result = await withProgress('sweeping', () => stream.firstWrite.then(() => 42), {
      quiet: false,
      stream,
      intervalMs: 5,
    })
    assert.equal(result, 42)
    assert.match(stream.written[0] ?? '', /sweeping: \d+ s/)
    assert.equal(stream.written.at(-1), '\r\x1b[K')
  })

  for (const [name, isTTY, quiet] of [
    ['with --json', true, true],
    ['into a pipe or file', false, false],
  ] as const) {
    it(`writes nothing ${name}`, async () => {
      const stream = recorder(isTTY)
      // The step outlasts several intervals: a progress line, had one been due, would be written.
      await withProgress('sweeping', () => new Promise((r) => setTimeout(r, 50)), {
        quiet,
        stream,
        intervalMs: 5,
      })
      assert.deepEqual(stream.written, [])
    })
  }
})
