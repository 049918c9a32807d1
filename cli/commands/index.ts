import { inspectCommand } from './inspect.js'
import { keyCommand } from './key.js'
import { migrateCommand } from './migrate.js'
import type { Command } from './output.js'
import { serveCommand } from './serve.js'
import { sessionsCommand } from './sessions.js'
import { sweepCommand } from './sweep.js'

/** Every command, in the order `tessera --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  keyCommand,
  sessionsCommand,
  inspectCommand,
  sweepCommand,
  migrateCommand,
]
export type { Command }
