import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createLoginThrottle,
  DEFAULT_THROTTLE_POLICY,
  type LoginAttempt,
} from '../../app/throttle.js'

const T0 = Date.UTC(2026, 0, 1)
const policy = {
  ...DEFAULT_THROTTLE_POLICY,
  freeFailures: 2,
  ipFreeFailures: 5,
  accountFreeFailures: 8,
}
const fromIp = (ip: string, deviceId: string | null = null): LoginAttempt => ({
  username: 'ann',
  ip,
  deviceId,
})

describe('createLoginThrottle', () => {
  it('lets the free failures through, then asks to wait a doubling delay', () => {
    const throttle = createLoginThrottle(policy)
    const a = fromIp('10.0.0.1')
    throttle.recordFailure(a, T0)
    assert.equal(throttle.retryAfterSeconds(a, T0), 0)
    throttle.recordFailure(a, T0)
    assert.equal(throttle.retryAfterSeconds(a, T0), 1)
    throttle.recordFailure(a, T0 + 1000)
    assert.equal(throttle.retryAfterSeconds(a, T0 + 1000), 2)
    assert.equal(throttle.retryAfterSeconds(a, T0 + 3000), 0, 'a soft lock: it ends by itself')
  })

  it('does not delay the same account from another IP below the account-wide limit', () => {
    const throttle = createLoginThrottle(policy)
    for (let i = 0; i < 4; i++) throttle.recordFailure(fromIp('10.0.0.1'), T0)
    assert.ok(throttle.retryAfterSeconds(fromIp('10.0.0.1'), T0) > 0)
    assert.equal(throttle.retryAfterSeconds(fromIp('10.0.0.2'), T0), 0)
  })

  it('judges a trusted device only by its own failures, so a spray cannot lock it out', () => {
    const throttle = createLoginThrottle(policy)
    for (let i = 0; i < 50; i++) throttle.recordFailure(fromIp(`10.0.1.${i}`), T0)
    assert.ok(throttle.retryAfterSeconds(fromIp('10.0.9.9'), T0) > 0, 'account-wide delay applies')
    assert.equal(throttle.retryAfterSeconds(fromIp('10.0.9.9', 'device-1'), T0), 0)
  })

  it('delays a trusted device that keeps failing (a stolen device cookie is no free pass)', () => {
    const throttle = createLoginThrottle(policy)
    const device = fromIp('10.0.0.1', 'device-1')
    for (let i = 0; i < 3; i++) throttle.recordFailure(device, T0)
    assert.ok(throttle.retryAfterSeconds(device, T0) > 0)
  })

  it('forgets failures after the window', () => {
    const throttle = createLoginThrottle(policy)
    const a = fromIp('10.0.0.1')
    for (let i = 0; i < 10; i++) throttle.recordFailure(a, T0)
    assert.equal(throttle.retryAfterSeconds(a, T0 + (policy.windowSeconds + 1) * 1000), 0)
  })

  it('keeps at most maxEntries buckets', () => {
    const throttle = createLoginThrottle({ ...policy, maxEntries: 10, freeFailures: 1 })
    for (let i = 0; i < 100; i++)
      throttle.recordFailure({ username: `u${i}`, ip: `ip${i}`, deviceId: null }, T0)
    // The first user's buckets were evicted: no delay remembered for them.
    assert.equal(throttle.retryAfterSeconds({ username: 'u0', ip: 'ip0', deviceId: null }, T0), 0)
    assert.ok(throttle.retryAfterSeconds({ username: 'u99', ip: 'ip99', deviceId: null }, T0) > 0)
  })
})
