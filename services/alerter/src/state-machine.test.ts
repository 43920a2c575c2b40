import type { AlertState } from '@mesh-trace/storage';
import { describe, expect, it } from 'vitest';
import { holds, metricValue, step } from './state-machine.js';

const cond = { operator: 'gt' as const, threshold: 0.5, forMs: 0 };
const state = (s: AlertState['state'], since: number): AlertState => ({
  state: s,
  since,
  value: 0,
  no_data: false,
  evaluated_at: since,
});

describe('state machine', () => {
  it('fires at once when `for` is 0, and only on the transition', () => {
    const a = step(undefined, 0.9, cond, 1_000);
    expect(a).toMatchObject({ transition: 'firing', next: { state: 'firing', since: 1_000, value: 0.9 } });
    const b = step(a.next, 0.95, cond, 2_000);
    expect(b.transition).toBeUndefined();
    expect(b.next).toMatchObject({ state: 'firing', since: 1_000 });
  });

  it('waits in pending until the condition has held for `for`, then fires once', () => {
    const c = { ...cond, forMs: 60_000 };
    const p = step(state('ok', 0), 0.9, c, 10_000);
    expect(p).toEqual({ next: expect.objectContaining({ state: 'pending', since: 10_000 }) });
    const still = step(p.next, 0.9, c, 69_999);
    expect(still.transition).toBeUndefined();
    expect(still.next).toMatchObject({ state: 'pending', since: 10_000 });
    expect(step(still.next, 0.9, c, 70_000)).toMatchObject({
      transition: 'firing',
      next: { state: 'firing' },
    });
  });

  it('a pending rule whose condition clears goes back to ok without any notification', () => {
    const r = step(state('pending', 0), 0.1, { ...cond, forMs: 60_000 }, 5_000);
    expect(r).toEqual({ next: expect.objectContaining({ state: 'ok', since: 5_000 }) });
  });

  it('resolves once when a firing condition clears; resolved then behaves like ok', () => {
    const r = step(state('firing', 0), 0.1, cond, 5_000);
    expect(r).toMatchObject({ transition: 'resolved', next: { state: 'resolved', since: 5_000 } });
    expect(step(r.next, 0.1, cond, 6_000).transition).toBeUndefined();
    expect(step(r.next, 0.9, cond, 7_000).transition).toBe('firing');
  });

  it('no data: a firing rule keeps firing, a pending one drops to ok, an ok one stays ok', () => {
    expect(step(state('firing', 0), null, cond, 5_000)).toEqual({
      next: expect.objectContaining({ state: 'firing', since: 0, no_data: true, value: null }),
    });
    expect(step(state('pending', 0), null, cond, 5_000).next).toMatchObject({ state: 'ok', no_data: true });
    expect(step(state('ok', 0), null, cond, 5_000)).toEqual({
      next: expect.objectContaining({ state: 'ok', no_data: true }),
    });
  });

  it('compares with each operator', () => {
    expect([holds(1, 'gt', 1), holds(1, 'gte', 1), holds(1, 'lt', 1), holds(1, 'lte', 1)]).toEqual([
      false,
      true,
      false,
      true,
    ]);
    expect(step(undefined, 10, { operator: 'lt', threshold: 20, forMs: 0 }, 1).transition).toBe('firing');
  });
});

describe('metric values', () => {
  const stats = { spans: 200, errors: 50, quantiles: [10, 95, 250] as [number, number, number] };
  it('computes error rate, latency quantiles and throughput (spans per second)', () => {
    expect(metricValue('error_rate', stats, 60_000)).toBe(0.25);
    expect(metricValue('latency_p50', stats, 60_000)).toBe(10);
    expect(metricValue('latency_p95', stats, 60_000)).toBe(95);
    expect(metricValue('latency_p99', stats, 60_000)).toBe(250);
    expect(metricValue('throughput', stats, 100_000)).toBe(2);
  });
  it('divides throughput by the time the summed rollup minutes cover, not by the window', () => {
    // A 1-minute window ending 30 s into a minute sums two minutes: 90 s of spans.
    const stats = {
      spans: 90,
      errors: 0,
      quantiles: [0, 0, 0] as [number, number, number],
      coveredMs: 90_000,
    };
    expect(metricValue('throughput', stats, 60_000)).toBe(1);
  });

  it('has no data without spans, except throughput which is zero', () => {
    const none = { spans: 0, errors: 0, quantiles: [0, 0, 0] as [number, number, number] };
    expect(metricValue('error_rate', none, 60_000)).toBeNull();
    expect(metricValue('latency_p99', none, 60_000)).toBeNull();
    expect(metricValue('throughput', none, 60_000)).toBe(0);
  });
});
