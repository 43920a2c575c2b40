import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { FallbackStore } from './rate-limit.js';

class FlakyStore implements Store {
  down = true;
  inits = 0;
  hits = new Map<string, number>();
  init(): void {
    this.inits += 1;
  }
  async increment(key: string): Promise<IncrementResponse> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    const n = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, n);
    return { totalHits: n, resetTime: new Date(Date.now() + 60_000) };
  }
  async decrement(): Promise<void> {}
  async resetKey(): Promise<void> {}
}

describe('FallbackStore', () => {
  const options = { windowMs: 60_000 } as Options;

  it('counts in process while the shared store fails, and reports each failure', async () => {
    const shared = new FlakyStore();
    const reports: unknown[] = [];
    const store = new FallbackStore(shared, (err) => reports.push(err));
    store.init(options);
    expect((await store.increment('k')).totalHits).toBe(1);
    expect((await store.increment('k')).totalHits).toBe(2);
    // First failure carries the error (logged), later ones only count (metric).
    expect(reports).toHaveLength(2);
    expect(reports[0]).toBeInstanceOf(Error);
    expect(reports[1]).toBeUndefined();
  });

  it('goes back to the shared counters when they recover', async () => {
    const shared = new FlakyStore();
    const store = new FallbackStore(shared, () => {});
    store.init(options);
    await store.increment('k');
    shared.down = false;
    expect((await store.increment('k')).totalHits).toBe(1);
    expect(shared.hits.get('k')).toBe(1);
    // The failure re-initialised the shared store (RedisStore reloads its scripts there).
    expect(shared.inits).toBeGreaterThanOrEqual(2);
  });
});

describe('parseTrustProxy', () => {
  it('reads booleans, hop counts and address lists', async () => {
    const { parseTrustProxy } = await import('./app.js');
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1')).toBe('10.0.0.0/8, 127.0.0.1');
  });
});
