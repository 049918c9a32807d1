import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createAccounts, hashPassword, verifyPassword } from '../../app/accounts.js'
import { memoryAccountRepository } from '../../app/accounts/memory.js'

describe('accounts', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse', 10)
    assert.match(hash, /^scrypt\$10\$8\$1\$/)
    assert.deepEqual(await verifyPassword('correct horse', hash, 10), {
      ok: true,
      needsRehash: false,
    })
    assert.equal((await verifyPassword('correct hors', hash, 10)).ok, false)
  })

  it('gives each password its own salt', async () => {
    assert.notEqual(await hashPassword('same', 10), await hashPassword('same', 10))
  })

  it('rehashes on sign-in when the cost parameter changed', async () => {
    const repo = memoryAccountRepository()
    const old = await createAccounts(repo, 10)
    const account = await old.register('dora', 'correct horse')
    assert.ok(account)
    const stronger = await createAccounts(repo, 11)
    assert.ok(await stronger.verify('dora', 'correct horse'))
    assert.match((await repo.findById(account.id))?.passwordHash ?? '', /^scrypt\$11\$/)
  })

  it('refuses a second account with the same NFKC-normalised name', async () => {
    const accounts = await createAccounts(memoryAccountRepository(), 10)
    assert.ok(await accounts.register('ｅｌｌａ', 'correct horse'))
    assert.equal(await accounts.register('ella', 'another password'), null)
  })

  it('returns null for an unknown user after doing the same hashing work', async () => {
    const accounts = await createAccounts(memoryAccountRepository(), 10)
    assert.equal(await accounts.verify('ghost', 'whatever'), null)
  })

  it('refuses a malformed stored hash instead of throwing', async () => {
    assert.equal((await verifyPassword('x', 'md5$abc', 10)).ok, false)
    assert.equal((await verifyPassword('x', 'scrypt$40$8$1$AA$AA', 10)).ok, false)
  })
})
