// JSON data as the stores keep it: a session's data is a plain JSON object, and a store that holds
// it in memory keeps a private copy with exactly what a JSON round trip would give.

/** Session data: a JSON object. */
export type JsonObject = Record<string, unknown>

/**
 * Exactly `JSON.parse(JSON.stringify(data))` for a plain object: walked where every value is a
 * plain object, an array or a primitive (several times cheaper than serialising), through JSON
 * itself for anything else (a `toJSON`, a class instance, a BigInt, a cycle, deep nesting).
 */
export function jsonClone(data: Readonly<JsonObject>): JsonObject {
  const out = jsonWalk(data, 0)
  return out === VIA_JSON ? (JSON.parse(JSON.stringify(data)) as JsonObject) : (out as JsonObject)
}

/** What `jsonWalk` answers when only JSON itself can tell the result. */
const VIA_JSON = Symbol('via JSON')
/** What `jsonWalk` answers for a value JSON leaves out (`undefined`, a function, a symbol). */
const OMIT = Symbol('omit')

function jsonWalk(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null // -0 → 0, NaN → null
    case 'object':
      break
    case 'bigint':
      return VIA_JSON // JSON.stringify throws, as it should
    case 'undefined':
    case 'function':
    case 'symbol':
      return OMIT
  }
  if (value === null) return null
  if (depth > 64 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return VIA_JSON
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const v = jsonWalk(value[i], depth + 1)
      if (v === VIA_JSON) return VIA_JSON
      out[i] = v === OMIT ? null : v
    }
    return out
  }
  if (!isPlain(value)) return VIA_JSON
  const out: JsonObject = {}
  for (const key of Object.keys(value)) {
    const v = jsonWalk((value as JsonObject)[key], depth + 1)
    if (v === VIA_JSON) return VIA_JSON
    if (v !== OMIT) setOwn(out, key, v)
  }
  return out
}

/** True for an object made by `{}` or `Object.create(null)`. */
export function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** Sets an own property even for `__proto__`, which plain assignment would treat as the prototype. */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  // Plain assignment (several times cheaper) makes an own data property for every other key of
  // a plain object; only `__proto__` has a setter on Object.prototype.
  if (key !== '__proto__') target[key] = value
  else
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    })
}
