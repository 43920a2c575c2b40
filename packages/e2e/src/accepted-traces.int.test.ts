import { type AcceptedTraces, MemoryAcceptedTraces, RedisAcceptedTraces } from '@mesh-trace/ingest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { randomTraceId } from './fixtures.js';
import { stackEnv } from './stack-env.js';

// Accepted trace ids and their owning agent (ingest remembers them for /complete, agent checks and
// live publishing): Redis in the split deployment, process memory in the all-in-one, one contract.
const redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: 1 });
afterAll(() => redis.disconnect());

describe.each([
  ['redis', () => new RedisAcceptedTraces(redis, 60)],
  ['memory', () => new MemoryAcceptedTraces(60)],
] as [string, () => AcceptedTraces][])('%s accepted traces', (_name, make) => {
  it("answers owners of many ids at once (more than one Redis command's worth), unknown ids absent", async () => {
    const accepted = make();
    const tenant = { org_id: `org_${randomTraceId().slice(0, 8)}`, env: 'live' as const };
    const ids = Array.from({ length: 12_000 }, () => randomTraceId());
    await accepted.remember(tenant, new Map(ids.map((id, i) => [id, i % 3 === 0 ? '' : `agent-${i % 7}`])));
    const unknown = Array.from({ length: 50 }, () => randomTraceId());
    const asked = [...unknown.slice(0, 25), ...ids, ...unknown.slice(25)];
    const owners = await accepted.owners(tenant, asked);
    expect(owners.size).toBe(ids.length);
    ids.forEach((id, i) => {
      expect(owners.get(id)).toBe(i % 3 === 0 ? '' : `agent-${i % 7}`);
    });
    for (const id of unknown) expect(owners.has(id)).toBe(false);
    // Another org or environment sees none of them.
    expect((await accepted.owners({ ...tenant, env: 'sandbox' as const }, ids.slice(0, 100))).size).toBe(0);
  });

  it('keeps a named owner when the trace is accepted again without one', async () => {
    const accepted = make();
    const tenant = { org_id: `org_${randomTraceId().slice(0, 8)}`, env: 'live' as const };
    const id = randomTraceId();
    await accepted.remember(tenant, new Map([[id, 'agent-a']]));
    await accepted.remember(tenant, new Map([[id, '']]));
    expect(await accepted.owner(tenant, id)).toBe('agent-a');
    await accepted.remember(tenant, new Map([[id, 'agent-b']]));
    expect(await accepted.owner(tenant, id)).toBe('agent-b');
  });
});
