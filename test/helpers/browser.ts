// Debian's Chromium driven by playwright-core: never a downloaded browser.
import { existsSync, mkdirSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { repoFile } from './paths.js'

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Why browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} not found: install Debian's Chromium with "apt-get install -y chromium"`
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
