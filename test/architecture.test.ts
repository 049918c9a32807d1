import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from './helpers/paths.js'

// Layers from the bottom up; a file may import only from its own layer or a lower one.
const LAYERS: Record<string, number> = {
  'src/errors.ts': 0,
  'src/clock.ts': 0,
  'src/options.ts': 0,
  'src/crypto': 1,
  'src/cookie': 2,
  'src/jwt': 2,
  'src/stores': 3,
  'src/session': 4,
  'src/testing': 5,
  'src/adapters': 5,
  'src/index.ts': 6,
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full))
    else if (name.endsWith('.ts')) out.push(full)
  }
  return out
}

function layerOf(relative: string): [string, number] | undefined {
  return Object.entries(LAYERS).find(
    ([prefix]) => relative === prefix || relative.startsWith(`${prefix}/`),
  )
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  )
}

const src = sourceFiles(path.join(REPO_ROOT, 'src')).map((f) =>
  path.relative(REPO_ROOT, f).split(path.sep).join('/'),
)

describe('architecture', () => {
  it('every file under src/ belongs to a known layer', () => {
    const unknown = src.filter((f) => layerOf(f) === undefined)
    assert.deepEqual(unknown, [])
  })

  it('no layer imports from a layer above it', () => {
    const violations: string[] = []
    for (const file of src) {
      const [, level] = layerOf(file)!
      for (const spec of importsOf(path.join(REPO_ROOT, file))) {
        if (!spec.startsWith('.')) continue
        const target = path.posix
          .normalize(path.posix.join(path.posix.dirname(file), spec))
          .replace(/\.js$/, '.ts')
        const targetLayer = layerOf(target)
        if (targetLayer && targetLayer[1] > level) violations.push(`${file} imports ${target}`)
      }
    }
    assert.deepEqual(violations, [])
  })

  it('only src/crypto/ imports node:crypto', () => {
    const offenders = src.filter(
      (f) =>
        !f.startsWith('src/crypto/') &&
        importsOf(path.join(REPO_ROOT, f)).some((s) => s === 'node:crypto' || s === 'crypto'),
    )
    assert.deepEqual(offenders, [])
  })

  it('stores never import crypto/, and nothing below adapters imports a web framework', () => {
    const offenders = src.filter((f) => {
      const specs = importsOf(path.join(REPO_ROOT, f))
      if (f.startsWith('src/stores/') && specs.some((s) => s.includes('/crypto/'))) return true
      return !f.startsWith('src/adapters/') && specs.some((s) => s === 'express' || s === 'fastify')
    })
    assert.deepEqual(offenders, [])
  })

  it('app/ and cli/ import tessera only through its public subpaths', () => {
    const roots = ['app', 'cli']
      .map((d) => path.join(REPO_ROOT, d))
      .filter((d) => {
        try {
          return statSync(d).isDirectory()
        } catch {
          return false
        }
      })
    const offenders: string[] = []
    for (const file of roots.flatMap(sourceFiles)) {
      for (const spec of importsOf(file)) {
        if (spec.includes('/src/') || spec.startsWith('../src') || spec.startsWith('../../src')) {
          offenders.push(`${path.relative(REPO_ROOT, file)} imports ${spec}`)
        }
      }
    }
    assert.deepEqual(offenders, [])
  })
})
