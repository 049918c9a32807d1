// Preloaded with `node --import` by tests that check which packages a process loads: when the
// process exits, it writes the name of every package under node_modules that it loaded through
// the CommonJS loader, one a line, to the file named by TESSERA_RECORD_PACKAGES. The database
// drivers (better-sqlite3, pg, node-redis) are CommonJS, or ESM wrappers over a CommonJS build,
// so each one the process loads is listed.
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const cache = createRequire(import.meta.url).cache
const out = process.env.TESSERA_RECORD_PACKAGES

/** The package a loaded file belongs to (`@scope/name` or `name`), if it is under node_modules. */
export function packageOf(file: string): string | undefined {
  const match = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)
  return match?.[1]?.replace('\\', '/')
}

if (out !== undefined && out !== '') {
  process.on('exit', () => {
    const names = new Set(Object.keys(cache).flatMap((file) => packageOf(file) ?? []))
    writeFileSync(out, [...names].sort().join('\n'))
  })
}
