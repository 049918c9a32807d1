// Runs the test app on a SQLite file in its own process, for the restart test: prints the port
// on stdout once listening; the parent kills it. Arguments: <database path> <key as base64url>.
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { testApp } from './express-app.js'

const [path, key] = process.argv.slice(2)
const { app } = testApp(
  { keys: [{ id: 'restart', key: key! }] },
  createSqliteStore({ path: path! }),
)
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
