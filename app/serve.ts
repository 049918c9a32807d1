// Starts the app, prints where it listens, and stops cleanly on SIGINT/SIGTERM.
import type { AppConfig } from './config.js'
import { startServer } from './server.js'

/** Runs until a signal arrives; resolves to the process exit code. */
export async function runServe(config: AppConfig): Promise<number> {
  const running = await startServer(config)
  console.log(
    `tessera reference app on ${running.url} (carrier ${config.carrier}, store ${config.store}; ` +
      `key from ${config.keySource}; ` +
      `${config.trustProxy === false ? 'no proxy trusted' : `trusting proxies ${config.trustProxy}`})`,
  )
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await running.close()
  return 0
}
