import { randomBytes } from 'node:crypto';
import { stackEnv } from '@mesh-trace/e2e';
import { holderOf, type LeaseStore, MemoryLeaseStore, RedisLeaseStore } from '@mesh-trace/storage';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

// The leader lease on the dev stack's real Redis, and the in-memory twin the all-in-one uses: the
// same contract for both.
const redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: 1 });
const used: string[] = [];
afterAll(async () => {
  // Fence counters never expire by design; these are the test's own.
  if (used.length) await redis.del(...used.flatMap((k) => [k, `${k}:fence`]));
  redis.disconnect();
});

describe.each([
  ['redis', () => new RedisLeaseStore(redis)],
  ['memory', () => new MemoryLeaseStore()],
] as [string, () => LeaseStore][])('%s lease', (_name, make) => {
  const key = () => {
    const k = `mesh-trace:e2e-lease:${randomBytes(6).toString('hex')}`;
    used.push(k);
    return k;
  };

  it('one holder at a time; every acquisition gets a larger fencing token', async () => {
    const leases = make();
    const k = key();
    const a = await leases.acquire(k, 'a', 5_000);
    expect(a).toBeGreaterThan(0);
    expect(await leases.acquire(k, 'b', 5_000)).toBeUndefined();
    expect(await leases.holds(k, holderOf('a', a as number))).toBe(true);
    expect(await leases.holds(k, holderOf('b', a as number))).toBe(false);
    // Only the holder can release; then the next acquisition is fenced above the last.
    await leases.release(k, holderOf('b', a as number));
    expect(await leases.acquire(k, 'b', 5_000)).toBeUndefined();
    await leases.release(k, holderOf('a', a as number));
    const b = await leases.acquire(k, 'b', 5_000);
    expect(b).toBeGreaterThan(a as number);
    // The deposed holder can neither renew nor pass the check.
    expect(await leases.renew(k, holderOf('a', a as number), 5_000)).toBe(false);
    expect(await leases.holds(k, holderOf('a', a as number))).toBe(false);
  });

  it('expires unless renewed', async () => {
    const leases = make();
    const k = key();
    const a = (await leases.acquire(k, 'a', 300)) as number;
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      expect(await leases.renew(k, holderOf('a', a), 300)).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 450));
    expect(await leases.holds(k, holderOf('a', a))).toBe(false);
    expect(await leases.acquire(k, 'b', 300)).toBe(a + 1);
  });
});
