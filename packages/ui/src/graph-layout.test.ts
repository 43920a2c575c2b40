import { describe, expect, it } from 'vitest';
import { edgeColour, layoutGraph } from './graph-layout.js';

const edge = (source: string, target: string, error_rate = 0) => ({
  source,
  target,
  calls: 10,
  errors: 0,
  error_rate,
  p99_ms: 5,
});

describe('layoutGraph', () => {
  it('puts callers left of the services they call, and sizes circles by traffic', () => {
    const g = layoutGraph(
      [
        { service: 'web', span_count: 100, error_rate: 0 },
        { service: 'api', span_count: 25, error_rate: 0 },
        { service: 'db', span_count: 0, error_rate: 0 },
      ],
      [edge('web', 'api'), edge('api', 'db'), edge('web', 'db')],
      { width: 1000, height: 500 },
    );
    const x = (s: string) => g.byService.get(s)?.x ?? Number.NaN;
    expect(x('web')).toBeLessThan(x('api'));
    expect(x('api')).toBeLessThan(x('db'));
    expect(g.byService.get('web')?.r).toBeGreaterThan(g.byService.get('api')?.r ?? 0);
    expect(g.byService.get('api')?.r).toBeGreaterThan(g.byService.get('db')?.r ?? 0);
  });

  it('adds services seen only as edge ends and terminates on cycles', () => {
    const g = layoutGraph([], [edge('a', 'b'), edge('b', 'a'), edge('c', 'c')], { width: 800, height: 400 });
    expect([...g.byService.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const n of g.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x).toBeLessThanOrEqual(800);
    }
  });
});

it('edgeColour grades by error rate', () => {
  expect(edgeColour(0)).toBe('#6f9a78');
  expect(edgeColour(0.001)).toBe('#b5b84a');
  expect(edgeColour(0.02)).toBe('#e0a030');
  expect(edgeColour(0.5)).toBe('#d9534f');
});
