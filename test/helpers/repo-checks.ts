// Checks of the repository's shape that test/architecture.test.ts runs on the real tree, and on
// small made-up inputs to show each one fails when it should: import cycles, package exports
// without a source file, requirement codes and documents cited without a home in the repository.

/**
 * The module specifiers a TypeScript file imports statically: `import … from`, `export … from`
 * and bare `import '…'`, type-only ones included (a cycle of types is still a cycle of files).
 */
export function importSpecifiers(text: string): string[] {
  const pattern = /^\s*(?:(?:import|export)\b[^'";]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]/gm
  return [...text.matchAll(pattern)].map((m) => m[1]!)
}

/**
 * The repository path (posix, `.ts`) that a relative specifier of `fromFile` names, or undefined
 * for a package or `node:` specifier. `./x.js` is the compiled name of `./x.ts`.
 */
export function resolveRelative(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined
  const joined = `${fromFile.slice(0, fromFile.lastIndexOf('/') + 1)}${spec}`
  const parts: string[] = []
  for (const part of joined.split('/')) {
    // Above the repository root stays visible, so no path outside the repository resolves.
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/').replace(/\.js$/, '.ts')
}

/** Each file's relative imports, as repository paths; `files` maps a path to its text. */
export function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [file, text] of files) {
    const targets = importSpecifiers(text).flatMap((spec) => resolveRelative(file, spec) ?? [])
    graph.set(
      file,
      [...new Set(targets)].filter((t) => files.has(t)),
    )
  }
  return graph
}

/**
 * One cycle per strongly connected group of files (Tarjan), each as its path from the group's
 * first file (in sort order) back to it: `['a.ts', 'b.ts', 'a.ts']`. A file importing itself is
 * a cycle too.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const groups: string[][] = []
  const visit = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const group: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      group.push(member)
    } while (member !== node)
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) groups.push(group.sort())
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return groups.map((group) => cyclePath(graph, group)).sort()
}

/** A shortest path from the group's first file back to it, through the group only. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, group: string[]): string[] {
  const start = group[0]!
  const inGroup = new Set(group)
  const cameFrom = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()!
    for (const next of graph.get(node) ?? []) {
      if (!inGroup.has(next)) continue
      if (next === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!)
        return [...path, start]
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node)
        queue.push(next)
      }
    }
  }
  return [...group, start] // unreachable for a strongly connected group
}

/**
 * Each `exports` target of package.json (`./dist/src/x.js`, `./dist/src/x.d.ts`) whose source
 * file (`src/x.ts`) does not exist, as `"<subpath>" → <target> (no <source>)`. Targets outside
 * dist/ (`./package.json`) must exist themselves.
 */
export function missingExportSources(
  exports: unknown,
  exists: (repoPath: string) => boolean,
): string[] {
  const missing: string[] = []
  const targets = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : value !== null && typeof value === 'object'
        ? Object.values(value).flatMap(targets)
        : []
  const entries = typeof exports === 'string' ? [['.', exports]] : Object.entries(exports ?? {})
  for (const [subpath, value] of entries) {
    for (const target of targets(value)) {
      const relative = target.replace(/^\.\//, '')
      const source = relative.startsWith('dist/')
        ? relative.slice('dist/'.length).replace(/(?:\.d)?\.js$|\.d\.ts$/, '.ts')
        : relative
      if (!exists(source)) missing.push(`"${subpath}" → ${target} (no ${source})`)
    }
  }
  return missing
}

/**
 * Prefixes that look like a requirement code but name an algorithm, encoding or standard
 * (SHA-256, UTF-8, AES-256, RFC-…, HS-…, CVE-…): never requirement codes.
 */
export const NOT_REQUIREMENT_PREFIXES: ReadonlySet<string> = new Set([
  'AES',
  'CBC',
  'CTR',
  'CVE',
  'CWE',
  'ECB',
  'ES',
  'GCM',
  'HS',
  'ISO',
  'MD',
  'PS',
  'RFC',
  'RS',
  'SHA',
  'TLS',
  'UTF',
])

/** The requirement codes (`TO-1`, `SID-3`, `JW-12`) a text cites, once each, in order. */
export function citedCodes(text: string): string[] {
  const codes = [...text.matchAll(/\b([A-Z]{2,3})-(\d{1,2})\b/g)]
    .filter((m) => !NOT_REQUIREMENT_PREFIXES.has(m[1]!))
    .map((m) => `${m[1]}-${m[2]}`)
  return [...new Set(codes)]
}

/**
 * The requirement codes a Markdown document defines: each table row whose first cell is the
 * code (`| TO-1 | … |`), or list item that starts with it (`- **TO-1** …`). A code merely
 * mentioned in a sentence is not an entry.
 */
export function documentedCodes(markdown: string): Set<string> {
  const pattern = /^(?:\|\s*|[-*]\s+)[*`]*([A-Z]{2,3}-\d{1,2})\b/gm
  return new Set([...markdown.matchAll(pattern)].map((m) => m[1]!))
}

/** The text of a TypeScript file's comments (`// …` and `/* … *\/`), strings left out. */
export function commentsOf(text: string): string {
  const comments: string[] = []
  const pattern =
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g
  for (const [token] of text.matchAll(pattern)) {
    if (token.startsWith('/')) comments.push(token)
  }
  return comments.join('\n')
}

/** The Markdown documents (a file under `docs/`, `SECURITY.md`, `DESIGN.md`) a comment text names. */
export function citedDocuments(comments: string): string[] {
  const names = [...comments.matchAll(/(?:\.{0,2}\/)?[\w./-]*\w\.md\b/g)].map((m) => m[0])
  return [...new Set(names)]
}

/**
 * Whether a document cited from `fromFile` exists: relative to the file, to the repository root,
 * or (for a bare name such as `carriers.md`) in docs/.
 */
export function documentExists(
  fromFile: string,
  document: string,
  exists: (repoPath: string) => boolean,
): boolean {
  const candidates = [
    resolveRelative(fromFile, document.startsWith('.') ? document : `./${document}`),
    document.replace(/^\.?\//, ''),
    `docs/${document}`,
  ]
  return candidates.some((c) => c !== undefined && exists(c))
}

/**
 * The repository paths a Markdown document names in code spans (`src/x.ts`, `app/throttle/`):
 * those under a top-level folder of the repository, without wildcards or braces.
 */
export function citedPaths(markdown: string): string[] {
  const pattern = /`((?:src|app|cli|test|bench|scripts|docs)\/[\w./-]*)`/g
  return [...new Set([...markdown.matchAll(pattern)].map((m) => m[1]!))]
}

/**
 * The runtime exports no document explains, as `"<specifier>" exports <name>`: a name counts as
 * documented when it appears as a word in a Markdown document that also names the subpath's
 * import specifier (`tessera-session`, `tessera-session/jwt`, …). `exportsBySubpath` maps a
 * package.json subpath (`.`, `./jwt`) to the names its module exports.
 */
export function undocumentedExports(
  packageName: string,
  exportsBySubpath: ReadonlyMap<string, readonly string[]>,
  documents: ReadonlyMap<string, string>,
): string[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const missing: string[] = []
  for (const [subpath, names] of exportsBySubpath) {
    const specifier = subpath === '.' ? packageName : `${packageName}/${subpath.slice(2)}`
    const mentions = new RegExp(`${escape(specifier)}(?![\\w/-])`)
    const texts = [...documents.values()].filter((text) => mentions.test(text))
    for (const name of names) {
      const word = new RegExp(`(?<![\\w$])${escape(name)}(?![\\w$])`)
      if (!texts.some((text) => word.test(text))) missing.push(`"${specifier}" exports ${name}`)
    }
  }
  return missing
}
