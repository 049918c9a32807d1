import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT, repoFile } from './helpers/paths.js'
import {
  citedCodes,
  citedDocuments,
  citedPaths,
  commentsOf,
  documentedCodes,
  documentExists,
  findCycles,
  importGraph,
  importSpecifiers,
  missingExportSources,
  resolveRelative,
  undocumentedExports,
} from './helpers/repo-checks.js'

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
  return importSpecifiers(readFileSync(file, 'utf8'))
}

// The made-up documents below get their extension from here, so no repository scan that looks
// for cited `*.md` names mistakes them for documents this repository should have.
const MD = '.md'

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
        const target = resolveRelative(file, spec)
        if (target === undefined) continue
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

/** Repository-relative paths (posix) of every .ts file under `dirs`, and their text. */
function readTree(dirs: readonly string[]): Map<string, string> {
  const files = new Map<string, string>()
  for (const dir of dirs) {
    for (const file of sourceFiles(path.join(REPO_ROOT, dir))) {
      files.set(
        path.relative(REPO_ROOT, file).split(path.sep).join('/'),
        readFileSync(file, 'utf8'),
      )
    }
  }
  return files
}

/** Whether a repository path exists; nothing outside the repository counts. */
const existsInRepo = (repoPath: string) =>
  !repoPath.startsWith('../') && !path.isAbsolute(repoPath) && existsSync(repoFile(repoPath))

/** The Markdown documents of the repository: docs/*.md and the top-level ones. */
function markdownFiles(): Map<string, string> {
  const docs = readdirSync(repoFile('docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
  const top = readdirSync(REPO_ROOT).filter((name) => name.endsWith('.md'))
  return new Map([...top, ...docs].map((f) => [f, readFileSync(repoFile(f), 'utf8')]))
}

/** Where requirement codes and documents may be cited: all TypeScript of the repository. */
const CITING_DIRS = ['src', 'app', 'cli', 'test', 'bench', 'scripts'].filter((d) => existsInRepo(d))

describe('architecture: the repository explains itself', () => {
  it('no import cycle in src/, app/ or cli/', () => {
    const cycles = findCycles(importGraph(readTree(['src', 'app', 'cli']))).map((c) =>
      c.join(' → '),
    )
    assert.deepEqual(cycles, [])
  })

  it('every package.json export points at a file built from a source in the repository', () => {
    const pkg = JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as { exports?: unknown }
    assert.deepEqual(missingExportSources(pkg.exports, existsInRepo), [])
  })

  it('every requirement code cited in the code or docs has an entry in docs/', () => {
    const markdown = markdownFiles()
    const documented = new Set([...markdown.values()].flatMap((t) => [...documentedCodes(t)]))
    const citing = new Map([...readTree(CITING_DIRS), ...markdown])
    const missing = [...citing].flatMap(([file, text]) =>
      citedCodes(text)
        .filter((code) => !documented.has(code))
        .map((code) => `${file}: ${code}`),
    )
    assert.deepEqual(missing, [])
  })

  it('every Markdown document a comment or a document cites exists in the repository', () => {
    const comments = [...readTree(CITING_DIRS)].map(([f, text]) => [f, commentsOf(text)] as const)
    const missing = [...comments, ...markdownFiles()].flatMap(([file, text]) =>
      citedDocuments(text)
        .filter((doc) => !documentExists(file, doc, existsInRepo))
        .map((doc) => `${file}: ${doc}`),
    )
    assert.deepEqual(missing, [])
  })
})

describe('architecture: the documents point at files that exist', () => {
  it('every repository path a document names in code (`src/…`, `test/…`) exists', () => {
    const missing = [...markdownFiles()].flatMap(([file, text]) =>
      citedPaths(text)
        .filter((p) => !existsInRepo(p.replace(/\/$/, '')))
        .map((p) => `${file}: ${p}`),
    )
    assert.deepEqual(missing, [])
  })
})

/** Each package.json subpath with a module (`.`, `./jwt`, …) and the names that module exports. */
async function runtimeExports(): Promise<{ name: string; bySubpath: Map<string, string[]> }> {
  const pkg = JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as {
    name: string
    exports: Record<string, string | { default: string }>
  }
  const bySubpath = new Map<string, string[]>()
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue // ./package.json
    const module = (await import(pathToFileURL(repoFile(target.default)).href)) as object
    bySubpath.set(subpath, Object.keys(module).sort())
  }
  return { name: pkg.name, bySubpath }
}

describe('architecture: the public surface is the documented surface', () => {
  it('every runtime export of every entry is named in a document about that entry', async () => {
    const { name, bySubpath } = await runtimeExports()
    assert.ok(bySubpath.size >= 9, 'every entry was loaded')
    assert.deepEqual(undocumentedExports(name, bySubpath, markdownFiles()), [])
  })

  it('the root entry exports no carrier, manager or CSRF internals', async () => {
    const root = (await runtimeExports()).bySubpath.get('.')!
    const internal = root.filter((n) => /Carrier$|SessionManager|Csrf|^randomId$/.test(n))
    assert.deepEqual(internal, [])
  })
})

describe('architecture checks fail on bad input', () => {
  // Made-up codes and names are assembled at run time, so that the checks above, which read
  // this file too, do not find them.
  const code = (letters: string, n: number) => `${letters}-${n}`

  it('finds an import cycle, reports its path, and passes a tree without one', () => {
    const files = new Map([
      ['src/a.ts', "import { b } from './b.js'\nexport const a = 1"],
      ['src/b.ts', "import type { C } from './dir/c.js'\nexport const b = 2"],
      ['src/dir/c.ts', "export { a } from '../a.js'\nimport 'node:fs'"],
      ['src/d.ts', "import { a } from './a.js'"],
      ['src/self.ts', "import './self.js'"],
    ])
    assert.deepEqual(findCycles(importGraph(files)), [
      ['src/a.ts', 'src/b.ts', 'src/dir/c.ts', 'src/a.ts'],
      ['src/self.ts', 'src/self.ts'],
    ])
    files.set('src/dir/c.ts', "import { x } from 'some-package'")
    files.delete('src/self.ts')
    assert.deepEqual(findCycles(importGraph(files)), [])
  })

  it('reads multi-line, type-only and side-effect imports, and re-exports', () => {
    const text = [
      'import {',
      '  a,',
      '  type B,',
      "} from './a.js'",
      "import type { C } from '../c.js'",
      "export * from './d.js'",
      "import './e.js'",
      "const s = 'import nothing from here'",
    ].join('\n')
    assert.deepEqual(importSpecifiers(text), ['./a.js', '../c.js', './d.js', './e.js'])
    assert.equal(resolveRelative('src/x/y.ts', '../c.js'), 'src/c.ts')
    assert.equal(resolveRelative('src/x/y.ts', 'node:fs'), undefined)
  })

  it('finds an export whose source file is missing', () => {
    const exports = {
      '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      './web': { types: './dist/src/adapters/web.d.ts', default: './dist/src/adapters/web.js' },
      './package.json': './package.json',
    }
    const present = new Set(['src/index.ts', 'package.json'])
    assert.deepEqual(
      missingExportSources(exports, (p) => present.has(p)),
      [
        '"./web" → ./dist/src/adapters/web.d.ts (no src/adapters/web.ts)',
        '"./web" → ./dist/src/adapters/web.js (no src/adapters/web.ts)',
      ],
    )
    present.add('src/adapters/web.ts')
    assert.deepEqual(
      missingExportSources(exports, (p) => present.has(p)),
      [],
    )
  })

  it('finds an export no document names next to its entry', () => {
    const exports = new Map([
      ['.', ['createThing', 'helperNobodyDocuments']],
      ['./web', ['serve']],
    ])
    const documents = new Map([
      [`docs/a${MD}`, "import { createThing } from 'pkg'\nThe `serve` function of pkg/webby."],
      [`docs/b${MD}`, 'helperNobodyDocuments is named here, but no entry is.'],
    ])
    assert.deepEqual(undocumentedExports('pkg', exports, documents), [
      '"pkg" exports helperNobodyDocuments',
      '"pkg/web" exports serve',
    ])
    documents.set(`docs/c${MD}`, "`serve` from 'pkg/web'")
    assert.deepEqual(undocumentedExports('pkg', exports, documents), [
      '"pkg" exports helperNobodyDocuments',
    ])
  })

  it('finds requirement codes, not algorithm names, and knows an entry from a mention', () => {
    const text = `// ${code('QQ', 7)} and ${code('QQ', 7)}, ${code('QQQ', 12)}; SHA-256, UTF-8, AES-256, RFC-6265`
    assert.deepEqual(citedCodes(text), [code('QQ', 7), code('QQQ', 12)])
    const markdown = [
      `| ${code('QQ', 7)} | what it requires | src/x.ts | test/x.test.ts |`,
      `- **${code('QQ', 8)}**: a list entry`,
      `Prose that mentions ${code('QQQ', 12)} defines nothing.`,
    ].join('\n')
    assert.deepEqual([...documentedCodes(markdown)], [code('QQ', 7), code('QQ', 8)])
  })

  it('finds documents cited in comments only, and resolves them inside the repository', () => {
    const missing = `NOWHERE${'.md'}`
    const text = [
      `// see docs/errors${'.md'} and ${missing}`,
      `/* and ../shared/OUTSIDE${'.md'} */`,
      `const s = 'a string naming STRING${'.md'} is not a citation'`,
    ].join('\n')
    const cited = citedDocuments(commentsOf(text))
    assert.deepEqual(cited, [`docs/errors${'.md'}`, missing, `../shared/OUTSIDE${'.md'}`])
    const present = new Set([`docs/errors${'.md'}`, `docs/carriers${'.md'}`])
    const exists = (p: string) => !p.startsWith('../') && present.has(p)
    assert.deepEqual(
      cited.filter((doc) => !documentExists('src/x.ts', doc, exists)),
      [missing, `../shared/OUTSIDE${'.md'}`],
    )
    assert.equal(documentExists('src/x.ts', `carriers${'.md'}`, exists), true)
  })

  it('finds the repository paths a document names, not other code spans', () => {
    const markdown = 'See `src/a.ts`, `app/throttle/`, `test/x/{a,b}.ts`, `npm test` and `./data/`.'
    assert.deepEqual(citedPaths(markdown), ['src/a.ts', 'app/throttle/'])
  })
})
