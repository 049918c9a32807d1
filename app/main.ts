// `node dist/app/main.js`: the reference app. The only module with side effects on import.
import { loadConfig } from './config.js'
import { runServe } from './serve.js'

try {
  process.exitCode = await runServe(loadConfig(process.argv.slice(2), process.env))
} catch (err) {
  // Configuration errors name the option to fix; no stack for those.
  console.error(`tessera: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
}
