import { describe, expect, it } from 'vitest';
import {
  caretAt,
  clientSideFilter,
  DEFAULT_QUERY,
  edgeSearch,
  formatTraceQuery,
  parseTraceQuery,
  traceRequest,
} from './trace-query.js';

describe('the Traces query in the URL', () => {
  it('round-trips every field, and leaves defaults out', () => {
    const q = {
      service: 'checkout',
      range: '6h' as const,
      status: 'error' as const,
      minMs: '250',
      q: 'duration > 1s',
    };
    expect(parseTraceQuery(formatTraceQuery(q))).toEqual(q);
    expect(formatTraceQuery(DEFAULT_QUERY)).toBe('');
  });

  it('ignores values it does not know', () => {
    expect(parseTraceQuery('?range=5y&status=weird')).toEqual(DEFAULT_QUERY);
  });
});

describe('traceRequest', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('lists with filters when there is no expression', () => {
    expect(traceRequest({ ...DEFAULT_QUERY, service: 'web', status: 'ok', minMs: ' 12.5 ' }, now)).toEqual({
      kind: 'list',
      params: {
        start_time: '2026-11-22T09:00:00.000Z',
        limit: '50',
        service: 'web',
        status: 'ok',
        min_duration_ms: '12.5',
      },
    });
  });

  it('searches when there is one', () => {
    expect(traceRequest({ ...DEFAULT_QUERY, range: '15m', q: 'status = error' }, now)).toEqual({
      kind: 'search',
      body: { query: 'status = error', start_time: '2026-11-22T09:45:00.000Z', limit: 50 },
    });
  });

  it('applies the filters the search API lacks to each page', () => {
    const f = clientSideFilter({ ...DEFAULT_QUERY, q: 'x = 1', service: 'db', minMs: '10' });
    expect(f?.({ services: ['db', 'web'], status: 'ok', duration_ms: 12 })).toBe(true);
    expect(f?.({ services: ['web'], status: 'ok', duration_ms: 12 })).toBe(false);
    expect(f?.({ services: ['db'], status: 'ok', duration_ms: 5 })).toBe(false);
    expect(clientSideFilter({ ...DEFAULT_QUERY, service: 'db' })).toBeUndefined();
  });
});

describe('caretAt', () => {
  it('points at the 1-based column of the error', () => {
    expect(caretAt('duration > = 5', 12)).toEqual(['duration > = 5', '           ^']);
  });

  it('finds the line of a multi-line expression', () => {
    expect(caretAt('a = 1\nAND b ==', 13)).toEqual(['AND b ==', '      ^']);
  });
});

it('edgeSearch quotes the callee for the expression language', () => {
  expect(edgeSearch('web', 'pay "v2"')).toMatchObject({ service: 'web', q: 'service.name = "pay \\"v2\\""' });
});
