// End to end in a real browser, for each carrier: register, count visits, a second device,
// revoke it from the first, sign out. A screenshot of each page lands in test-results/.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { CarrierName } from '../../app/config.js'
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js'
import { startTestApp } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery staple'
const CARRIERS: readonly CarrierName[] = ['server', 'cookie', 'token']

async function views(page: Page): Promise<string> {
  return (await page.getByTestId('views').textContent()) ?? ''
}

async function signIn(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/login`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).last().click()
  await page.waitForURL(`${url}/profile`)
}

const skip = browserSkipReason()

describe('reference app in Chromium', { skip: skip ?? false }, () => {
  let browser: Browser
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
  })

  for (const carrier of CARRIERS) {
    it(`${carrier} carrier: register, count 1-2-3, two devices, revoke one, sign out`, async () => {
      const app = await startTestApp({ carrier })
      const laptop = await browser.newContext()
      const phone = await browser.newContext({
        userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/130.0 Mobile',
      })
      try {
        const url = app.url
        const shot = (page: Page, name: string) =>
          page.screenshot({ path: screenshotPath(`${carrier}-${name}`), fullPage: true })
        const a = await laptop.newPage()
        const username = `ada-${carrier}`

        await a.goto(`${url}/register`)
        await shot(a, 'register')
        await a.getByLabel('Username').fill(username)
        await a.getByLabel('Password').fill(PASSWORD)
        await a.getByRole('button', { name: 'Register' }).click()
        await a.waitForURL(`${url}/login?registered=1`)
        assert.match((await a.getByRole('status').textContent()) ?? '', /If that username was free/)
        await signIn(a, url, username)
        assert.match((await a.textContent('h1')) ?? '', new RegExp(`welcome ${username}`))
        assert.equal(await views(a), '1')
        await a.reload()
        assert.equal(await views(a), '2')
        await a.reload()
        assert.equal(await views(a), '3')
        await shot(a, 'profile')

        const b = await phone.newPage()
        await b.goto(`${url}/login`)
        await shot(b, 'login')
        await signIn(b, url, username)
        assert.equal(await views(b), '1')

        await a.goto(`${url}/sessions`)
        assert.equal(await a.getByTestId('session-row').count(), 2)
        await shot(a, 'sessions')
        await a.getByRole('button', { name: 'Revoke' }).click()
        await a.waitForURL(`${url}/sessions?done=revoked`)
        assert.equal(await a.getByTestId('session-row').count(), 1)

        await b.reload()
        assert.equal(new URL(b.url()).pathname, '/login', 'the revoked device is bounced to /login')

        await a.goto(`${url}/inspect`)
        await shot(a, 'inspect')

        await a.goto(`${url}/profile`)
        await a.getByRole('button', { name: 'Sign out' }).click()
        await a.waitForURL(`${url}/login`)
        await a.goto(`${url}/profile`)
        assert.equal(new URL(a.url()).pathname, '/login', 'signed out: /profile is out of reach')
      } finally {
        await laptop.close()
        await phone.close()
        await app.close()
      }
    })
  }
})
