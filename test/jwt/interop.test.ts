import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as jose from 'jose'
import { createKeyring, JWS_ALGORITHMS, type KeyEntry } from '../../src/crypto/keyring.js'
import { generateKey } from '../../src/jwt/generate.js'
import { exportJwks, importJwk } from '../../src/jwt/jwks.js'
import { signJws, signJwt } from '../../src/jwt/sign.js'
import { verifyJws, verifyJwt } from '../../src/jwt/verify.js'

const now = new Date(Date.UTC(2026, 0, 1))
const t = now.getTime() / 1000
const claims = { iss: 'https://id.example', aud: ['api', 'web'], sub: 'u1', iat: t, exp: t + 60 }
const keys = new Map<string, KeyEntry>(JWS_ALGORITHMS.map((alg) => [alg, generateKey(alg)]))

function signingKey(entry: KeyEntry) {
  return entry.privateKey ?? new Uint8Array(entry.secret!)
}
function verifyingKey(entry: KeyEntry) {
  return entry.publicKey ?? new Uint8Array(entry.secret!)
}

describe('interop with jose', () => {
  for (const [alg, entry] of keys) {
    const keyring = createKeyring([entry])

    it(`jose verifies a ${alg} JWT signed by tessera`, async () => {
      const token = signJwt(claims, keyring, { typ: 'at+jwt' })
      const { payload, protectedHeader } = await jose.jwtVerify(token, verifyingKey(entry), {
        algorithms: [alg],
        currentDate: now,
        issuer: claims.iss,
        audience: 'api',
        typ: 'at+jwt',
      })
      assert.deepEqual(payload, claims)
      assert.equal(protectedHeader.kid, entry.id)
    })

    it(`tessera verifies a ${alg} JWT signed by jose`, async () => {
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg, kid: entry.id, typ: 'at+jwt' })
        .sign(signingKey(entry))
      const { payload } = verifyJwt(token, keyring, {
        now,
        issuer: claims.iss,
        audience: 'api',
        typ: 'at+jwt',
      })
      assert.deepEqual({ ...payload }, claims)
    })

    it(`tessera verifies a ${alg} JWS of raw bytes signed by jose without kid`, async () => {
      const bytes = new Uint8Array([0, 255, 1, 254])
      const jws = await new jose.CompactSign(bytes)
        .setProtectedHeader({ alg })
        .sign(signingKey(entry))
      assert.deepEqual(new Uint8Array(verifyJws(jws, keyring).payload), bytes)
      const ours = signJws(bytes, keyring)
      const { payload } = await jose.compactVerify(ours, verifyingKey(entry), { algorithms: [alg] })
      assert.deepEqual(payload, bytes)
    })
  }

  it('jose verifies tessera tokens through the JWK Set that exportJwks publishes', async () => {
    const asymmetric = [...keys.values()].filter((k) => k.publicKey !== null)
    const keyring = createKeyring(asymmetric)
    const jwks = jose.createLocalJWKSet(exportJwks(keyring) as jose.JSONWebKeySet)
    for (const entry of asymmetric) {
      const token = signJwt(claims, keyring, { keyId: entry.id })
      const { payload } = await jose.jwtVerify(token, jwks, { currentDate: now })
      assert.equal(payload.sub, 'u1')
    }
  })

  it('importJwk reads the public and private JWKs that jose exports', async () => {
    for (const alg of ['RS256', 'PS384', 'ES256', 'ES512', 'EdDSA'] as const) {
      const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true })
      const signer = importJwk(await jose.exportJWK(privateKey), { alg, id: 'k' })
      const verifier = importJwk(await jose.exportJWK(publicKey), { alg, id: 'k' })
      const token = signJwt(claims, [signer])
      assert.equal(verifyJwt(token, [verifier], { now }).payload.sub, 'u1')
      await jose.jwtVerify(token, publicKey, { currentDate: now })
    }
  })

  // Registered claim names are left out: jose and tessera would both check them.
  const registered = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'])
  const claimSets = fc
    .dictionary(
      fc.string().filter((k) => !registered.has(k)),
      fc.jsonValue(),
      { maxKeys: 8 },
    )
    .map(
      (extra) => JSON.parse(JSON.stringify({ ...extra, exp: t + 60 })) as Record<string, unknown>,
    )

  for (const alg of ['HS256', 'ES256', 'EdDSA'] as const) {
    it(`round-trips random ${alg} claim sets through jose both ways`, async () => {
      const entry = keys.get(alg)!
      const keyring = createKeyring([entry])
      await fc.assert(
        fc.asyncProperty(claimSets, async (set) => {
          const ours = signJwt(set, keyring)
          const viaJose = await jose.jwtVerify(ours, verifyingKey(entry), { currentDate: now })
          assert.deepEqual(viaJose.payload, set)
          const theirs = await new jose.SignJWT(set)
            .setProtectedHeader({ alg })
            .sign(signingKey(entry))
          assert.deepEqual({ ...verifyJwt(theirs, keyring, { now }).payload }, set)
        }),
        { numRuns: 60 },
      )
    })
  }
})
