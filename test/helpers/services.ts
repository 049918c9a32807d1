// Which external services the integration tests may use. One rule for every test file: a
// service whose URL is unset is skipped with a message saying how to run it, except when
// TESSERA_REQUIRE_SERVICES=1 (CI), where a missing service is a failing test.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { it } from 'node:test'

export type ServiceVariable = 'REDIS_URL' | 'DATABASE_URL'

const EXAMPLES: Record<ServiceVariable, string> = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
}

/**
 * The service's URL, or undefined after registering a skipped test (or, under
 * TESSERA_REQUIRE_SERVICES=1, a failing one) that says why. Call it inside a `describe`.
 */
export function serviceUrl(variable: ServiceVariable): string | undefined {
  const url = process.env[variable]
  if (url !== undefined && url !== '') return url
  const how = `set ${variable}=${EXAMPLES[variable]} to run these tests`
  if (process.env.TESSERA_REQUIRE_SERVICES === '1') {
    it(`needs ${variable} (TESSERA_REQUIRE_SERVICES=1)`, () => {
      assert.fail(`${variable} is unset but TESSERA_REQUIRE_SERVICES=1: ${how}`)
    })
  } else {
    it(`skipped: ${variable} is unset`, { skip: how }, () => {})
  }
  return undefined
}

/**
 * For `testStore(..., { skip })`: false when the service's URL is set, else the reason. Pair it
 * with a `serviceUrl` call in the same file, which turns a missing service into a failure
 * under TESSERA_REQUIRE_SERVICES=1.
 */
export function serviceSkip(variable: ServiceVariable): string | false {
  const url = process.env[variable]
  return url !== undefined && url !== ''
    ? false
    : `${variable} is unset (e.g. ${EXAMPLES[variable]})`
}

/** A fresh name for isolating one test run (a key prefix, a schema): lowercase letters and digits. */
export function uniqueName(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`
}
