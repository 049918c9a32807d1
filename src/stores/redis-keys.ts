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
  /** What a user's index key starts with; a script appends the encoded user id and "}". */
  userStart(): string {
    return `${this.prefix}{u:`
  }
  /** What a family's key starts with; a script appends the encoded family id and "}". */
  familyStart(): string {
    return `${this.prefix}{f:`
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
  /**
   * True on a single node (no `getMasters`): a step may then touch keys of different slots in
   * one script. False on Cluster, or once a single-node script was refused as cross-slot.
   */
  readonly singleNode: boolean
  /** Runs `script` by its SHA1 (EVALSHA) once known, falling back to EVAL when the server lost it. */
  script(op: string, script: string, keys: string[], args: (string | number)[]): Promise<unknown>
  /**
   * Runs the single-node script `oneStep` when `singleNode`, else `split()`; a cross-slot refusal
   * of `oneStep` (a cluster the client did not reveal) turns `singleNode` off and runs `split()`.
   */
  oneOrSplit<T>(
    op: string,
    oneStep: { script: string; keys: string[]; args: (string | number)[] },
    decode: (reply: unknown) => T,
    split: () => Promise<T>,
  ): Promise<T>
  hmGet(op: string, key: string, fields: readonly string[]): Promise<unknown>
  /** Visits every key matching `pattern` on every master, a batch at a time. */
  scan(pattern: string, onKeys: (keys: string[]) => Promise<void>): Promise<void>
}
