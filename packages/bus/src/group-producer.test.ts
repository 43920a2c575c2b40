import { describe, expect, it } from 'vitest';
import { GroupProducer } from './group-producer.js';

const rec = (k: string) => ({ key: k, value: Buffer.from(`value-${k}`) });

describe('GroupProducer', () => {
  it('sends at once when idle, and groups the sends that arrive while a request is in flight', async () => {
    const calls: string[][] = [];
    let release: (() => void) | undefined;
    const p = new GroupProducer(async (byTopic) => {
      calls.push([...byTopic.values()].flat().map((r) => r.key));
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
    }, 1_000);
    const first = p.send('t', [rec('a')]);
    const rest = [p.send('t', [rec('b')]), p.send('u', [rec('c'), rec('d')])];
    expect(calls).toEqual([['a']]);
    release?.();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('gives every caller the outcome of the request that carried its records', async () => {
    const p = new GroupProducer(async () => {
      throw new Error('broker down');
    }, 1_000);
    await expect(p.send('t', [rec('a')])).rejects.toThrow('broker down');
  });

  it('times a caller out on its own clock, whether queued or in flight', async () => {
    const p = new GroupProducer(() => new Promise<void>(() => {}), 50);
    const started = Date.now();
    await expect(p.send('t', [rec('a')])).rejects.toThrow(/timed out/);
    await expect(p.send('t', [rec('b')])).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('caps a group by bytes', async () => {
    const sizes: number[] = [];
    let release: (() => void) | undefined;
    const p = new GroupProducer(
      async (byTopic) => {
        sizes.push([...byTopic.values()].flat().length);
        if (sizes.length === 1) await new Promise<void>((r) => (release = r));
      },
      1_000,
      16,
    );
    const sends = [
      p.send('t', [rec('a')]),
      p.send('t', [rec('b')]),
      p.send('t', [rec('c')]),
      p.send('t', [rec('d')]),
    ];
    release?.();
    await Promise.all(sends);
    expect(sizes[0]).toBe(1);
    expect(sizes.slice(1).every((n) => n <= 2)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('splits one send larger than a request over consecutive requests, in order, settling after the last', async () => {
    const calls: string[][] = [];
    const p = new GroupProducer(
      async (byTopic) => {
        calls.push([...byTopic.values()].flat().map((r) => r.key));
      },
      1_000,
      20,
    );
    let settled = 0;
    const big = p.send('t', ['a', 'b', 'c', 'd', 'e'].map(rec)).then(() => settled++);
    await big;
    expect(settled).toBe(1);
    expect(calls.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) expect(c.length * 'value-a'.length + c.length).toBeLessThanOrEqual(20);
  });

  it('fails a split send when one of its requests fails, and sends none of its later parts', async () => {
    const calls: string[][] = [];
    const p = new GroupProducer(
      async (byTopic) => {
        calls.push([...byTopic.values()].flat().map((r) => r.key));
        if (calls.length === 2) throw new Error('record batch too large');
      },
      1_000,
      20,
    );
    await expect(p.send('t', ['a', 'b', 'c', 'd', 'e', 'f'].map(rec))).rejects.toThrow('too large');
    expect(calls.length).toBe(2);
    await p.send('t', [rec('g')]);
    expect(calls.at(-1)).toEqual(['g']);
  });
});
