import { fileURLToPath } from 'node:url'
import path from 'node:path'

// Tests run from dist/test/…; the repository root is two levels above dist/test.
const here = path.dirname(fileURLToPath(import.meta.url))
/** The repository root, whether this runs from source or from dist/. */
export const REPO_ROOT = here.includes(`${path.sep}dist${path.sep}`)
  ? here.slice(0, here.lastIndexOf(`${path.sep}dist${path.sep}`))
  : path.resolve(here, '..', '..')

/** An absolute path to a file of the repository. */
export function repoFile(relative: string): string {
  return path.join(REPO_ROOT, relative)
}
