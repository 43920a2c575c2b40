import { describe, expect, it } from 'vitest';
import {
  barGeometry,
  buildWaterfall,
  criticalPath,
  type SpanLike,
  serviceColour,
  timeTicks,
  visibleNodes,
} from './waterfall.js';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const span = (id: string, parent: string | null, start: number, end: number, service = 'svc'): SpanLike => ({
  span_id: id,
  parent_span_id: parent,
  service,
  start_time: at(start),
  end_time: at(end),
});

// root 0..100
//  ├ a 5..40          (a1 10..30 inside)
//  ├ b 20..90         (overlaps a; ends last)
//  │  └ b1 30..60
//  └ c 50..70         (runs while b runs; not waited on by root's end)
const tree = [
  span('c', 'root', 50, 70),
  span('root', null, 0, 100, 'web'),
  span('b1', 'b', 30, 60),
  span('a', 'root', 5, 40),
  span('b', 'root', 20, 90, 'db'),
  span('a1', 'a', 10, 30),
];

describe('buildWaterfall', () => {
  it('orders parents before children and siblings by start, with depths and offsets', () => {
    const w = buildWaterfall(tree);
    expect(w.nodes.map((n) => `${n.span.span_id}@${n.depth}`)).toEqual([
      'root@0',
      'a@1',
      'a1@2',
      'b@1',
      'b1@2',
      'c@1',
    ]);
    expect(w.durationMs).toBe(100);
    const b = w.byId.get('b');
    expect(b?.startMs).toBe(20);
    expect(b?.endMs).toBe(90);
    expect(b?.childCount).toBe(1);
    expect(w.nodes.every((n, i) => n.index === i)).toBe(true);
  });

  it('shows spans whose parent is missing at the top level, flagged as orphans', () => {
    const w = buildWaterfall([span('x', 'missing', 0, 10), span('y', null, 0, 20)]);
    expect(w.nodes.map((n) => [n.span.span_id, n.depth, n.orphan])).toEqual([
      ['x', 0, true],
      ['y', 0, false],
    ]);
  });

  it('survives parent cycles and self-parents in bad data', () => {
    const w = buildWaterfall([span('p', 'q', 0, 10), span('q', 'p', 1, 5), span('s', 's', 2, 3)]);
    // p and q point at each other and s at itself: no root reaches them, yet every span is shown once.
    expect(w.nodes.map((n) => n.span.span_id).sort()).toEqual(['p', 'q', 's']);
    expect(w.nodes.filter((n) => n.depth === 0).every((n) => n.orphan)).toBe(true);
  });

  it('lays out a chain 20,000 levels deep without overflowing the stack, in well under a second', () => {
    const spans: SpanLike[] = [];
    for (let i = 0; i < 20_000; i++) spans.push(span(`s${i}`, i === 0 ? null : `s${i - 1}`, i, 40_000 - i));
    const t = performance.now();
    const w = buildWaterfall(spans);
    const path = criticalPath(w);
    const rows = visibleNodes(w, new Set(['s10']));
    expect(performance.now() - t).toBeLessThan(1000);
    expect(w.nodes[19_999]?.depth).toBe(19_999);
    expect(path.size).toBe(20_000);
    expect(rows.length).toBe(11);
  });
});

describe('visibleNodes', () => {
  it('hides the subtree of a collapsed span and nothing else', () => {
    const w = buildWaterfall(tree);
    expect(visibleNodes(w, new Set(['b'])).map((n) => n.span.span_id)).toEqual(['root', 'a', 'a1', 'b', 'c']);
    expect(visibleNodes(w, new Set(['root'])).map((n) => n.span.span_id)).toEqual(['root']);
    expect(visibleNodes(w, new Set()).length).toBe(6);
  });
});

describe('criticalPath', () => {
  it('follows what the root waited on: the last-finishing child, then earlier work before it started', () => {
    const w = buildWaterfall(tree);
    // The root ends at 100; b ends last (90) and started at 20; before 20, a ran (5..40 clipped to 20),
    // and within a, a1 (10..30 clipped to 20). c ran entirely while b was running: not critical.
    // Inside b, b1 (30..60) is what b waited on before its own tail.
    expect([...criticalPath(w)].sort()).toEqual(['a', 'a1', 'b', 'b1', 'root']);
  });

  it('picks the root that ends last when a trace has several', () => {
    const w = buildWaterfall([span('r1', null, 0, 10), span('r2', null, 5, 50), span('k', 'r2', 6, 40)]);
    expect([...criticalPath(w)].sort()).toEqual(['k', 'r2']);
  });

  it('is empty for an empty trace', () => {
    expect(criticalPath(buildWaterfall([])).size).toBe(0);
  });
});

describe('barGeometry and timeTicks', () => {
  it('places bars as fractions of the view and clips them to it', () => {
    expect(barGeometry(25, 75, { from: 0, to: 100 })).toEqual({ left: 0.25, width: 0.5 });
    expect(barGeometry(0, 100, { from: 50, to: 100 })).toEqual({ left: 0, width: 1 });
    expect(barGeometry(0, 10, { from: 50, to: 100 })).toBeNull();
  });

  it('uses round steps', () => {
    expect(timeTicks({ from: 0, to: 100 }, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(timeTicks({ from: 13, to: 47 }, 4)).toEqual([20, 30, 40]);
  });
});

describe('serviceColour', () => {
  it('gives a service the same colour every time', () => {
    expect(serviceColour('checkout')).toBe(serviceColour('checkout'));
    expect(serviceColour('checkout')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
