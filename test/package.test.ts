// The package as a user gets it: `npm pack`, then the tarball installed into a fresh folder
// outside the repository (no workspace links) next to express 5, the newest redis and every
// other declared peer. Every `exports` entry is imported from ESM and required from CommonJS
// (require(esm): no top-level await anywhere in the graph), a small consumer typechecks under
// moduleResolution nodenext, bundler and node10, `npx tessera --help` runs, and every file the
// README (or a shipped document) links, every `exports` target and every source a map names is
// in the tarball. Needs the npm registry: skipped with a message when it cannot be reached,
// failing under TESSERA_REQUIRE_SERVICES=1 (CI).
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { REPO_ROOT } from './helpers/paths.js'

const execFileAsync = promisify(execFile)

interface PackageJson {
  readonly name: string
  readonly main?: string
  readonly types?: string
  readonly bin?: Record<string, string>
  readonly exports: Record<string, string | Record<string, string>>
  readonly typesVersions?: Record<string, Record<string, string[]>>
  readonly peerDependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson
/** Every importable specifier: `tessera-session`, `tessera-session/express`, … */
const specifiers = Object.keys(pkg.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`))

/** Runs a command bounded by `timeoutMs`; fails with its output when it exits non-zero. */
async function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      encoding: 'utf8',
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    })
    return stdout
  } catch (err) {
    const { message, signal, stdout, stderr } = err as {
      message: string
      signal?: string | null
      stdout?: string
      stderr?: string
    }
    const why = signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : message
    assert.fail(`${command} ${args.join(' ')}: ${why}\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

/** The registry answers `npm ping` (bounded), so the install can run. */
function registryReachable(): boolean {
  const result = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 20_000 })
  return result.status === 0
}

/** Relative link targets of a markdown text (links and images), without anchors. */
function relativeLinks(markdown: string): string[] {
  const out: string[] = []
  for (const match of markdown.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue
    out.push(decodeURI(target.split('#')[0]!))
  }
  return out
}

/** A fresh consumer's TypeScript files: every entry, and an Express app as in the README. */
function consumerSource(): string {
  const imports = specifiers.map((s, i) => `import * as entry${i} from '${s}'`)
  return `${imports.join('\n')}
import express from 'express'
import { createMemoryStore } from 'tessera-session'
import { session } from 'tessera-session/express'

export const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}]

declare module 'tessera-session' {
  interface SessionData {
    count?: number
  }
}

const app = express()
app.use(session({ carrier: 'server', keys: [{ id: 'k1', key: 'x'.repeat(43) }], store: createMemoryStore() }))
app.get('/', async (req, res) => {
  await req.session.update((d) => void (d.count = (d.count ?? 0) + 1))
  const count: number | undefined = req.session.data.count
  res.send(String(count))
})
`
}

// nodenext also checks every shipped declaration file (skipLibCheck false, so @types/express,
// … too: the slow one); the other two check that every entry resolves and types a user's code.
const TSCONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false },
  bundler: { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true },
  node10: {
    module: 'commonjs',
    moduleResolution: 'node10',
    ignoreDeprecations: '6.0',
    skipLibCheck: true,
  },
} as const

/** A fresh project at `dir` with `packages` installed from the registry (bounded). */
async function install(dir: string, packages: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }),
  )
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts']
  await run('npm', ['install', ...flags, '--no-package-lock', ...packages], {
    cwd: dir,
    timeoutMs: 90_000,
  })
}

// The steps after the install are independent: they run at once (tsc dominates).
describe(
  'the npm package, installed from its tarball into a fresh project',
  { concurrency: true },
  () => {
    if (!registryReachable()) {
      const why = 'the npm registry cannot be reached (npm ping failed)'
      if (process.env.TESSERA_REQUIRE_SERVICES === '1') {
        it('needs the npm registry (TESSERA_REQUIRE_SERVICES=1)', () => {
          assert.fail(`${why}, but TESSERA_REQUIRE_SERVICES=1`)
        })
      } else {
        it(`skipped: ${why}`, { skip: `${why}; the packaging test needs it` }, () => {})
      }
      return
    }

    const work = mkdtempSync(path.join(tmpdir(), 'tessera-package-'))
    const consumer = path.join(work, 'consumer')
    const minimal = path.join(work, 'minimal')
    let files: Set<string>
    let installed: string
    after(() => rmSync(work, { recursive: true, force: true }))

    before(async () => {
      // dist/ is what `npm test` just built; --ignore-scripts keeps prepack from rebuilding it
      // under the other test files running from it.
      const packed = JSON.parse(
        await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
          cwd: REPO_ROOT,
          timeoutMs: 60_000,
        }),
      ) as { filename: string; files: { path: string }[] }[]
      files = new Set(packed[0]!.files.map((f) => f.path))
      const tarball = path.join(work, packed[0]!.filename)

      // Every declared peer at its declared range (redis at its newest), the @types the repo uses
      // for them, and @types/node: what a user of every entry installs. --ignore-scripts: no
      // native build of better-sqlite3, which no step here opens.
      const peers = Object.entries(pkg.peerDependencies ?? {}).map(([name, range]) =>
        name === 'redis' ? 'redis@latest' : name === 'express' ? 'express@5' : `${name}@${range}`,
      )
      const dev = pkg.devDependencies ?? {}
      const types = ['node', ...Object.keys(pkg.peerDependencies ?? {})]
        .filter((name) => dev[`@types/${name}`] !== undefined)
        .map((name) => `@types/${name}@${dev[`@types/${name}`]}`)
      installed = path.join(consumer, 'node_modules', pkg.name)
      await Promise.all([
        install(consumer, [tarball, ...peers, ...types]),
        // A user's plain case, alone: the tarball next to express 5 and the newest redis only.
        install(minimal, [tarball, 'express@5', 'redis@latest']),
      ])
    })

    it('installs the package itself, not a link to the repository', () => {
      const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
        name: string
      }
      assert.equal(manifest.name, pkg.name)
      const real = realpathSync(installed)
      assert.ok(!real.startsWith(REPO_ROOT), `${real} is inside the repository`)
    })

    it('ships a LICENSE, and no tests or benchmarks', () => {
      assert.ok(files.has('LICENSE'))
      assert.match(readFileSync(path.join(installed, 'LICENSE'), 'utf8'), /^MIT License/)
      const stray = [...files].filter((f) => /^(dist\/)?(test|bench)\//.test(f))
      assert.deepEqual(stray, [])
    })

    it('has a file for every exports target, typesVersions entry, bin, main and types', () => {
      const targets = [
        ...Object.values(pkg.exports).flatMap((v) =>
          typeof v === 'string' ? [v] : Object.values(v),
        ),
        ...Object.values(pkg.typesVersions?.['*'] ?? {}).flat(),
        ...Object.values(pkg.bin ?? {}),
        ...(pkg.main === undefined ? [] : [pkg.main]),
        ...(pkg.types === undefined ? [] : [pkg.types]),
      ].map((t) => path.posix.normalize(t))
      const missing = targets.filter((t) => !files.has(t))
      assert.deepEqual(missing, [], `not in the tarball: ${missing.join(', ')}`)
    })

    it('maps every subpath for node10 typesVersions to the same types as exports', () => {
      const mapped = pkg.typesVersions?.['*'] ?? {}
      for (const [key, value] of Object.entries(pkg.exports)) {
        if (key === '.' || typeof value === 'string') continue
        assert.deepEqual(
          mapped[key.slice(2)]?.map((t) => path.posix.normalize(t)),
          [path.posix.normalize(value.types!)],
          `typesVersions["*"]["${key.slice(2)}"]`,
        )
      }
    })

    it('has every file the README and the shipped documents link', () => {
      const documents = [...files].filter((f) => f.endsWith('.md'))
      assert.ok(documents.includes('README.md'))
      const broken: string[] = []
      for (const doc of documents) {
        for (const link of relativeLinks(readFileSync(path.join(installed, doc), 'utf8'))) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(doc), link))
          const isFolder = [...files].some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`))
          if (!files.has(target) && !isFolder) broken.push(`${doc} → ${link}`)
        }
      }
      assert.deepEqual(broken, [])
    })

    it('ships the source every source map names (no stale output, no dangling map)', () => {
      const dangling: string[] = []
      for (const file of [...files].filter((f) => f.endsWith('.map'))) {
        const map = JSON.parse(readFileSync(path.join(installed, file), 'utf8')) as {
          sources: string[]
        }
        for (const source of map.sources) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), source))
          if (!files.has(target)) dangling.push(`${file} → ${source}`)
        }
      }
      assert.deepEqual(dangling, [])
    })

    it('imports every exports entry from ESM', async () => {
      const script = `for (const s of ${JSON.stringify(specifiers)}) {
      const m = await import(s)
      if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing')
    }
    console.log('ok')`
      const out = await run('node', ['--input-type=module', '-e', script], {
        cwd: consumer,
        timeoutMs: 30_000,
      })
      assert.equal(out.trim(), 'ok')
    })

    it('requires every exports entry from CommonJS (require(esm), no top-level await)', async () => {
      const script = `for (const s of ${JSON.stringify(specifiers)}) {
      const m = require(s)
      if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing')
    }
    const { createMemoryStore, TesseraError } = require('tessera-session')
    if (typeof createMemoryStore !== 'function' || typeof TesseraError !== 'function') throw new Error('root')
    console.log('ok')`
      const out = await run('node', ['--input-type=commonjs', '--no-warnings', '-e', script], {
        cwd: consumer,
        timeoutMs: 30_000,
      })
      assert.equal(out.trim(), 'ok')
    })

    for (const [name, options] of Object.entries(TSCONFIGS)) {
      it(`typechecks a consumer of every entry under moduleResolution ${name}`, async () => {
        const dir = path.join(consumer, `ts-${name}`)
        mkdirSync(dir, { recursive: true })
        // node10 compiles to CommonJS: a .ts file in a folder whose package.json says so.
        const ext = name === 'nodenext' ? 'mts' : 'ts'
        writeFileSync(path.join(dir, `consumer.${ext}`), consumerSource())
        if (name === 'nodenext') {
          // and a CommonJS file requiring the ESM package, as Node >= 20.19 allows
          writeFileSync(
            path.join(dir, 'required.cts'),
            `import { createMemoryStore } from 'tessera-session'\nimport { signJwt } from 'tessera-session/jwt'\nexport const made = [createMemoryStore, signJwt]\n`,
          )
        }
        writeFileSync(
          path.join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              ...options,
              target: 'es2022',
              strict: true,
              esModuleInterop: true,
              noEmit: true,
              types: ['node'],
            },
            include: ['*.ts', '*.mts', '*.cts'],
          }),
        )
        await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], {
          cwd: dir,
          timeoutMs: 100_000,
        })
      })
    }

    it('typechecks a file that uses only tessera-session/jwt without @types/node (skipLibCheck)', async () => {
      // As docs/jwt.md says: its types name node:crypto's KeyObject and Buffer, which without
      // @types/node are `any` under skipLibCheck (and errors without it).
      // `minimal` has no @types/node: nothing there can resolve node:crypto's types.
      assert.equal(existsSync(path.join(minimal, 'node_modules', '@types', 'node')), false)
      const dir = path.join(minimal, 'ts-jwt')
      mkdirSync(dir, { recursive: true })
      writeFileSync(
        path.join(dir, 'jwt.ts'),
        `import { signJwt, verifyJwt, type JwtClaims } from 'tessera-session/jwt'\n` +
          `export const claims: JwtClaims = { sub: 'alice' }\nexport const both = [signJwt, verifyJwt]\n`,
      )
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...TSCONFIGS.nodenext,
            skipLibCheck: true,
            strict: true,
            noEmit: true,
            types: [],
          },
          include: ['*.ts'],
        }),
      )
      await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], {
        cwd: dir,
        timeoutMs: 60_000,
      })
    })

    it('runs npx tessera --help with only express and redis installed beside it', async () => {
      const out = await run('npx', ['--no', '--', 'tessera', '--help'], {
        cwd: minimal,
        timeoutMs: 60_000,
      })
      assert.match(out, /^usage: tessera <command>/)
    })
  },
)
