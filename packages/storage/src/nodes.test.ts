import { describe, expect, it } from 'vitest';
import { nodeStatus, rateTracker } from './nodes.js';

describe('collector node status', () => {
  it('is stale after 3 missed heartbeats and down after 12', () => {
    expect(nodeStatus(0)).toBe('ok');
    expect(nodeStatus(14_999)).toBe('ok');
    expect(nodeStatus(15_000)).toBe('stale');
    expect(nodeStatus(59_999)).toBe('stale');
    expect(nodeStatus(60_000)).toBe('down');
  });

  it('reports per-second rates between heartbeats', async () => {
    const rates = rateTracker();
    expect(rates({ items: 100 })).toEqual({ items: 100 });
    await new Promise((r) => setTimeout(r, 200));
    const second = rates({ items: 300 });
    expect(second.items).toBe(300);
    expect(second.items_per_s).toBeGreaterThan(500);
    expect(second.items_per_s).toBeLessThan(1100);
  });
});
