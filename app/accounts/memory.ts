// Accounts in this process's memory: the repository of the memory store (one process only).
import type { Account, AccountRepository } from '../accounts.js'

/** Accounts kept in process memory (with the memory store). */
export function memoryAccountRepository(): AccountRepository {
  const byId = new Map<string, Account>()
  const byName = new Map<string, Account>()
  return {
    findByUsername: async (username) => byName.get(username),
    findById: async (id) => byId.get(id),
    async insert(account) {
      if (byName.has(account.username) || byId.has(account.id)) return false
      byId.set(account.id, account)
      byName.set(account.username, account)
      return true
    },
    async updateHash(id, passwordHash) {
      const account = byId.get(id)
      if (account === undefined) return
      const updated = { ...account, passwordHash }
      byId.set(id, updated)
      byName.set(account.username, updated)
    },
    async close() {},
  }
}
