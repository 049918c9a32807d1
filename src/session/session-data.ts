// Session data as JSON: copies, per-key change detection against what was stored, and the
// per-key merge that lets two requests writing different keys both win.
import { TesseraError } from '../errors.js'
import { isPlain, setOwn } from '../stores/json-data.js'

/** Session data: a JSON object. */
export type Json = Record<string, unknown>

/** A deep copy of JSON data (plain objects and arrays walked; anything else through JSON). */
export function clone(data: Readonly<Json>): Json {
  return copy(data) as Json
}

// Walking plain objects is several times cheaper than a JSON round trip, and this runs on every
// request that reads or writes data. Dates and other objects go through JSON, as the store will.
function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(copy)
  if (!isPlain(value)) return JSON.parse(JSON.stringify(value)) as unknown
  const out: Json = {}
  for (const key of Object.keys(value)) {
    const v = copy((value as Json)[key])
    setOwn(out, key, v)
  }
  return out
}

/** True when `a` and `b` serialise to the same JSON (up to key order), without serialising. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => same(v, b[i]))
  }
  if (!isPlain(a) || !isPlain(b)) return JSON.stringify(a) === JSON.stringify(b)
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => Object.hasOwn(b, k) && same((a as Json)[k], (b as Json)[k]))
}

/** Keys whose JSON differs between the handler's copy and the stored data. */
export function changedKeys(working: Json, baseline: Json): string[] {
  const keys: string[] = []
  for (const key of Object.keys(working)) {
    if (!same(working[key], baseline[key])) keys.push(key)
  }
  for (const key of Object.keys(baseline)) {
    if (!Object.hasOwn(working, key)) keys.push(key)
  }
  return keys
}

/** The latest stored data with this request's changed keys laid over it. */
export function merge(fresh: Readonly<Json>, working: Json, keys: readonly string[]): Json {
  const out = clone(fresh)
  for (const key of keys) {
    if (Object.hasOwn(working, key)) setOwn(out, key, copy(working[key]))
    else delete out[key]
  }
  return out
}

/** `fresh` with every key the handler changed (compared with `baseline`) laid over it. */
export function overlay(fresh: Json, working: Json | undefined, baseline: Json): Json {
  return working === undefined ? fresh : merge(fresh, working, changedKeys(working, baseline))
}

export function pick(data: Json, keys: readonly string[]): Json {
  const out: Json = {}
  for (const key of keys) if (Object.hasOwn(data, key)) setOwn(out, key, data[key])
  return out
}

/** Makes `target` hold exactly `source`'s keys, so references the handler kept stay current. */
export function replaceContents(target: Json, source: Json): void {
  for (const key of Object.keys(target)) delete target[key]
  for (const key of Object.keys(source)) setOwn(target, key, source[key])
}

const at = (path: string) => (path === '' ? '' : ` at ${path.slice(0, 100)}`)

/** Why `value` cannot be stored as JSON, with where inside it, or null when it can. */
function jsonProblem(value: unknown, path: string, ancestors: object[]): string | null {
  switch (typeof value) {
    case 'bigint':
      return `is a BigInt${at(path)} (JSON has none: store it as a string)`
    case 'function':
    case 'symbol':
      return `is a ${typeof value}${at(path)}`
    case 'object': {
      if (value === null) return null
      if (ancestors.includes(value)) return `refers to itself${at(path)} (a circular reference)`
      if (ancestors.length >= 64) return `nests deeper than 64 levels${at(path)}`
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return null // Date …
      ancestors.push(value)
      try {
        for (const key of Object.keys(value)) {
          const inner = (value as Json)[key]
          const where = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`
          const problem = jsonProblem(inner, where, ancestors)
          if (problem !== null) return problem
        }
      } finally {
        ancestors.pop()
      }
      return null
    }
    case 'boolean':
    case 'number':
    case 'string':
    case 'undefined':
      return null
  }
}

/**
 * Throws `ERR_SESSION_DATA_INVALID`, naming `key`, unless `value` can be stored as JSON: where a
 * handler assigns it, rather than in the store after the response.
 */
export function checkDataValue(key: string, value: unknown): void {
  const problem = jsonProblem(value, '', [])
  if (problem === null) return
  throw new TesseraError(
    'ERR_SESSION_DATA_INVALID',
    `session data "${key.slice(0, 100)}" cannot be stored: its value ${problem}; session data must be JSON`,
  )
}
