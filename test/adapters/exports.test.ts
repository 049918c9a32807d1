// Every entry of package.json `exports` points at files that exist after the build, and each
// entry point loads through the package's own name (as an app imports it).
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { repoFile } from '../helpers/paths.js'

type Target = string | Readonly<Record<string, string>>
const pkg = JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as {
  name: string
  exports: Readonly<Record<string, Target>>
}

describe('package.json exports', () => {
  for (const [entry, target] of Object.entries(pkg.exports)) {
    it(`${entry} points at files that exist`, () => {
      const files = typeof target === 'string' ? [target] : Object.values(target)
      assert.ok(files.length > 0)
      for (const file of files)
        assert.ok(existsSync(repoFile(file)), `${entry} → ${file} is missing`)
    })
    if (typeof target !== 'string') {
      it(`${entry} loads as ${pkg.name}${entry.slice(1)}`, async () => {
        const loaded = (await import(`${pkg.name}${entry.slice(1)}`)) as object
        assert.ok(Object.keys(loaded).length > 0)
      })
    }
  }

  it('has an entry for every framework adapter', () => {
    for (const name of ['express', 'fastify', 'hono', 'koa', 'web']) {
      assert.ok(`./${name}` in pkg.exports, `./${name} is not exported`)
    }
  })
})
