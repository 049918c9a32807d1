// SQLite: an app process SIGKILLed in the middle of load loses no write it had acknowledged.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { describe, it } from 'node:test'
import { startAppProcess } from '../helpers/app-process.js'
import { client } from '../helpers/http.js'
import { tempDir } from '../helpers/sqlite.js'

describe('SQLite store under SIGKILL', () => {
  it('keeps every increment acknowledged before the process was killed mid-load', async () => {
    const { dir, remove } = tempDir()
    const file = path.join(dir, 'sessions.db')
    const key = randomBytes(32).toString('base64url')
    const first = await startAppProcess('sqlite-app-process', [file, key])
    let second: Awaited<ReturnType<typeof startAppProcess>> | undefined
    try {
      const browser = client(first.url)
      assert.equal((await browser.request('/count')).status, 200) // creates the session: 1
      let acknowledged = 1
      let sent = 1
      let killed = false
      // Eight workers increment without pause; the kill lands while requests are in flight.
      const worker = async () => {
        for (let i = 0; i < 1000 && !killed; i++) {
          sent++
          const reply = await browser.request('/count').catch(() => null)
          if (reply?.status === 200) acknowledged = Math.max(acknowledged, Number(reply.text))
        }
      }
      const load = Promise.all(Array.from({ length: 8 }, worker))
      for (let i = 0; i < 2000 && acknowledged < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      assert.ok(acknowledged >= 100, 'the load got going before the kill')
      await first.kill()
      killed = true
      await load

      second = await startAppProcess('sqlite-app-process', [file, key])
      const again = client(second.url)
      for (const [name, value] of browser.jar) again.jar.set(name, value)
      const count = (JSON.parse((await again.request('/peek')).text) as { count: number }).count
      assert.ok(count >= acknowledged, `stored ${count} < acknowledged ${acknowledged}`)
      assert.ok(count <= sent, `stored ${count} > sent ${sent}`)
    } finally {
      await first.kill()
      await second?.kill()
      remove()
    }
  })
})
