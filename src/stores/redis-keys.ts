// The Redis store's internal shapes, shared by its session half (redis.ts) and its refresh-token
// half (redis-tokens.ts): the key names and the bounded command runner. Not exported by
// tessera-session/stores/redis.

/** Key names; see the table at the top of redis.ts. */
export class RedisKeys {
  readonly prefix: string
  constructor(prefix: string) {
    this.prefix = prefix
  }
  session(idHash: string): string {
    return `${this.prefix}{s:${idHash}}`
  }
  // User and family ids are the application's strings; encoding keeps "{" and "}" out of keys.
  user(userId: string): string {
    return `${this.prefix}{u:${encodeURIComponent(userId)}}`
  }
  tokenPointer(idHash: string): string {
    return `${this.prefix}{r:${idHash}}`
  }
  family(familyId: string): string {
    return `${this.prefix}{f:${encodeURIComponent(familyId)}}`
  }
  tokenPrefix(familyId: string): string {
    return `${this.family(familyId)}t:`
  }
}

/** Bounded Redis calls that fail with ERR_STORE_UNAVAILABLE. */
export interface Runner {
  script(op: string, script: string, keys: string[], args: (string | number)[]): Promise<unknown>
  hmGet(op: string, key: string, fields: readonly string[]): Promise<unknown>
  /** Visits every key matching `pattern` on every master, a batch at a time. */
  scan(pattern: string, onKeys: (keys: string[]) => Promise<void>): Promise<void>
}
