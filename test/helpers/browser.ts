// Debian's Chromium driven by playwright-core: never a downloaded browser.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { it } from 'node:test'
import { chromium, type Browser } from 'playwright-core'
import { repoFile } from './paths.js'

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * Why browser tests cannot run here, or null when they can. Call it at the top level of a test
 * file: under TESSERA_REQUIRE_SERVICES=1 it also registers a failing test.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null
  const reason = `${CHROMIUM_PATH} not found: install Debian's Chromium with "apt-get install -y chromium"`
  // CI (.ci/run) installs Chromium and sets TESSERA_REQUIRE_SERVICES=1: there a missing browser
  // is a failing test, as a missing Redis or PostgreSQL is, never a silent skip.
  if (process.env.TESSERA_REQUIRE_SERVICES === '1') {
    it('needs Chromium (TESSERA_REQUIRE_SERVICES=1)', () => {
      assert.fail(`${reason}, but TESSERA_REQUIRE_SERVICES=1`)
    })
  }
  return reason
}

/** Launches headless Chromium with the flags CI uses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** The path of a screenshot under test-results/ (created on first use). */
export function screenshotPath(name: string): string {
  const dir = repoFile('test-results')
  mkdirSync(dir, { recursive: true })
  return `${dir}/${name}.png`
}
