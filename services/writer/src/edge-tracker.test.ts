import type { EdgeCallRow, SpanRow } from '@mesh-trace/storage';
import { describe, expect, it } from 'vitest';
import { clusterOf, EdgeTracker } from './edge-tracker.js';

const span = (span_id: string, service: string, parent = '', over: Partial<SpanRow> = {}): SpanRow => ({
  org_id: 'o',
  env: 'live',
  trace_id: 't1',
  span_id,
  parent_span_id: parent,
  service,
  name: 'op',
  kind: 'internal',
  start_time: '2026-11-22 10:00:00.000000000',
  end_time: '2026-11-22 10:00:00.100000000',
  duration_ns: '100000000',
  status: 'ok',
  status_message: '',
  attributes: {},
  resource: { 'k8s.cluster.name': 'eu-1' },
  events: '[]',
  ...over,
});

describe('EdgeTracker', () => {
  it('emits an edge for a parent and child of different services in one batch, in any order', () => {
    const t = new EdgeTracker();
    const out: EdgeCallRow[] = [];
    t.observe([span('b', 'db', 'a', { status: 'error' }), span('a', 'api'), span('c', 'api', 'a')], out);
    expect(out).toEqual([
      expect.objectContaining({
        source: 'api',
        target: 'db',
        is_error: 1,
        cluster: 'eu-1',
        duration_ns: '100000000',
      }),
    ]);
  });

  it('pairs a child with a parent that arrives in a later batch', () => {
    const t = new EdgeTracker();
    const out: EdgeCallRow[] = [];
    t.observe([span('b', 'db', 'a')], out);
    expect(out).toHaveLength(0);
    expect(t.size().pending).toBe(1);
    t.observe([span('a', 'api')], out);
    expect(out.map((e) => `${e.source}->${e.target}`)).toEqual(['api->db']);
    expect(t.size().pending).toBe(0);
  });

  it('keeps both maps bounded and drops waiting children after the timeout', () => {
    let now = 0;
    const t = new EdgeTracker(10, 1_000, () => now);
    const out: EdgeCallRow[] = [];
    for (let i = 0; i < 50; i++) t.observe([span(`c${i}`, 'db', `p${i}`), span(`x${i}`, 'api')], out);
    expect(t.size().seen).toBeLessThanOrEqual(10);
    expect(t.size().pending).toBeLessThanOrEqual(10);
    now = 5_000;
    t.observe([], out);
    expect(t.size()).toEqual({ seen: 0, pending: 0 });
    t.observe([span('p49', 'api')], out);
    expect(out).toHaveLength(0);
  });
});

describe('clusterOf', () => {
  // The same text service_rollups_mv_v1 reads from the stored resource map, so topology's edges and
  // nodes agree on the cluster whatever type the value was sent as.
  it.each([
    [{ 'k8s.cluster.name': 'eu-1', cluster: 'x' }, 'eu-1'],
    [{ cluster: 'x' }, 'x'],
    [{ 'k8s.cluster.name': '', cluster: 'x' }, 'x'],
    [{ 'k8s.cluster.name': 0, cluster: 'x' }, '0'],
    [{ 'k8s.cluster.name': false }, 'false'],
    [{ 'k8s.cluster.name': [] }, '[]'],
    [{ 'k8s.cluster.name': ['eu', 1] }, '["eu",1]'],
    [{ cluster: 7 }, '7'],
    [{}, ''],
  ])('%j → %s', (resource, cluster) => {
    expect(clusterOf(resource)).toBe(cluster);
  });
});
