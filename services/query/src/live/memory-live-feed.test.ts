import type { LiveEntry } from '@mesh-trace/schema';
import { describe, expect, it } from 'vitest';
import { MemoryLiveFeed } from './memory-live-feed.js';

const t = { org_id: 'o', env: 'live' as const };
const entry = (agent: string, n: number) => ({ agent_id: agent, type: 'span' as const, data: `{"n":${n}}` });

describe('MemoryLiveFeed', () => {
  it('orders ids, ranges after an id, and delivers appends to subscribers of that agent only', async () => {
    const feed = new MemoryLiveFeed({ retentionMs: 60_000 });
    expect(await feed.exists(t, 'a')).toBe(false);
    expect(await feed.tail(t, 'a')).toBe('0-0');
    await feed.append(t, [entry('a', 1), entry('a', 2), entry('b', 3)]);
    const tail = await feed.tail(t, 'a');
    const got: LiveEntry[] = [];
    const sub = feed.subscribe(t, 'a', tail, { entries: (l) => got.push(...l), closed: () => {} });
    expect(sub.since).toBe(tail);
    await feed.append(t, [entry('a', 4), entry('b', 5)]);
    expect(got.map((e) => e.data)).toEqual(['{"n":4}']);
    const all = await feed.range(t, 'a', '0-0', '9999999999999-0', 100);
    expect(all.map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}', '{"n":4}']);
    const after = await feed.range(t, 'a', all[0]?.id ?? '', all[2]?.id ?? '', 1);
    expect(after.map((e) => e.data)).toEqual(['{"n":2}']);
    sub.close();
    await feed.append(t, [entry('a', 6)]);
    expect(got).toHaveLength(1);
    expect(await feed.exists({ ...t, env: 'sandbox' }, 'a')).toBe(false);
  });

  it('keeps at most maxEntriesPerStream, and ends subscribers on stop', async () => {
    const feed = new MemoryLiveFeed({ retentionMs: 60_000, maxEntriesPerStream: 3 });
    await feed.append(
      t,
      Array.from({ length: 5 }, (_, i) => entry('a', i)),
    );
    const kept = await feed.range(t, 'a', '0-0', '9999999999999-0', 100);
    expect(kept.map((e) => e.data)).toEqual(['{"n":2}', '{"n":3}', '{"n":4}']);
    let closed = false;
    feed.subscribe(t, 'a', '0-0', { entries: () => {}, closed: () => (closed = true) });
    await feed.stop();
    expect(closed).toBe(true);
  });
});
