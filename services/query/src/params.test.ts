import { BaseError } from '@mesh-trace/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { HOUR_NS } from './params.js';
import { parseTopologyParams } from './routes/get-topology.js';
import { parseServicesParams } from './routes/list-services.js';
import { parseListParams } from './routes/list-traces.js';
import { parseQuery, searchBodySchema } from './routes/search-traces.js';

const NOW = 1_795_003_600_000_000_000n;

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BaseError);
    expect((err as BaseError).code).toBe('invalid_request');
    return ((err as BaseError).details ?? []).map((d) => d.path);
  }
  throw new Error('expected a 400');
}

describe('GET /v1/traces parameters', () => {
  it('defaults to the last hour, limit 50, no filters', () => {
    expect(parseListParams({}, NOW)).toEqual({
      service: undefined,
      start: undefined,
      end: undefined,
      minDurationNs: undefined,
      status: undefined,
      limit: 50,
      cursor: undefined,
      range: { from: NOW - HOUR_NS, to: NOW },
    });
  });

  it('accepts ISO 8601 and epoch nanoseconds, statuses, decimal durations and ignores unknown names', () => {
    const p = parseListParams(
      {
        start_time: '2026-11-22T06:00:00.000000001Z',
        end_time: '1795330800000000000',
        status: 'ERROR',
        min_duration_ms: '1.5',
        limit: '200',
        service: 'api',
        cursor: 'abc',
        whatever: 'x',
      },
      NOW,
    );
    expect(p.range.from).toBe(1_795_327_200_000_000_001n);
    expect(p.range.to).toBe(1_795_330_800_000_000_000n);
    expect(p).toMatchObject({ status: 'error', minDurationNs: 1_500_000n, limit: 200, service: 'api' });
    expect(parseListParams({ service: '' }, NOW).service).toBeUndefined();
    expect(parseListParams({ limit: '1', min_duration_ms: '0' }, NOW)).toMatchObject({
      limit: 1,
      minDurationNs: 0n,
    });
  });

  it.each([
    [{ status: 'done' }, 'status'],
    [{ status: '' }, 'status'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: '-1' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ min_duration_ms: '-5' }, 'min_duration_ms'],
    [{ min_duration_ms: 'abc' }, 'min_duration_ms'],
    [{ min_duration_ms: '1.1234567' }, 'min_duration_ms'],
    [{ start_time: 'yesterday' }, 'start_time'],
    [{ start_time: '2026-02-31T00:00:00Z' }, 'start_time'],
    [{ end_time: '-1' }, 'end_time'],
    [{ start_time: '2026-11-22T07:00:00Z', end_time: '2026-11-22T06:00:00Z' }, 'end_time'],
    [{ service: 'x'.repeat(257) }, 'service'],
    [{ cursor: ['a', 'b'] }, 'cursor'],
    [{ service: { nested: 'x' } }, 'service'],
  ])('400 for %j on %s', (query, path) => {
    expect(paths(() => parseListParams(query as Record<string, unknown>, NOW))).toEqual([path]);
  });

  it('reports every bad parameter at once', () => {
    expect(paths(() => parseListParams({ status: 'x', limit: '0', start_time: 'y' }, NOW)).sort()).toEqual([
      'limit',
      'start_time',
      'status',
    ]);
  });

  it('says so when end_time defaulted to now and start_time is in the future', () => {
    expect(() => parseListParams({ start_time: String(NOW + 1n) }, NOW)).toThrow(
      expect.objectContaining({
        details: [{ path: 'end_time', message: expect.stringMatching(/defaults to now/) }],
      }),
    );
  });
});

describe('GET /v1/services and /v1/topology parameters', () => {
  it('services default to the last 24 hours and validate the range', () => {
    expect(parseServicesParams({}, NOW)).toEqual({ from: NOW - 24n * HOUR_NS, to: NOW });
    expect(paths(() => parseServicesParams({ start_time: 'x' }, NOW))).toEqual(['start_time']);
    expect(paths(() => parseServicesParams({ start_time: String(NOW), end_time: '1' }, NOW))).toEqual([
      'end_time',
    ]);
  });

  it('topology takes 1h, 6h, 24h (default 1h) and an optional cluster', () => {
    expect(parseTopologyParams({})).toEqual({ cluster: undefined, windowNs: HOUR_NS });
    expect(parseTopologyParams({ time_window: '6h', cluster: 'eu-1' })).toEqual({
      cluster: 'eu-1',
      windowNs: 6n * HOUR_NS,
    });
    expect(parseTopologyParams({ time_window: '24h' }).windowNs).toBe(24n * HOUR_NS);
    for (const w of ['2h', '1H', '', 'toString', '__proto__', '60m'])
      expect(paths(() => parseTopologyParams({ time_window: w }))).toEqual(['time_window']);
  });
});

describe('POST /v1/traces/search body', () => {
  it('defaults the limit to 100 and bounds it to 1..500', () => {
    expect(searchBodySchema.parse({ query: 'status = error' })).toEqual({
      query: 'status = error',
      limit: 100,
    });
    for (const limit of [0, 501, 1.5, '10'])
      expect(searchBodySchema.safeParse({ query: 'a.b = 1', limit }).success).toBe(false);
    expect(searchBodySchema.parse({ query: 'a.b = 1', limit: 500 }).limit).toBe(500);
  });

  it('parses timestamps as ISO 8601 or epoch nanoseconds and refuses others with their path', () => {
    const b = searchBodySchema.parse({
      query: 'x.y = 1',
      start_time: '2026-11-22T06:00:00Z',
      end_time: 1_795_330_800_000_000,
    });
    expect(b.start_time).toBe(1_795_327_200_000_000_000n);
    expect(b.end_time).toBe(1_795_330_800_000_000n);
    const bad = searchBodySchema.safeParse({ query: 1, start_time: 'soon', end_time: -1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'end_time',
      'query',
      'start_time',
    ]);
  });

  it('turns a syntax error into a 400 with the column, top level and in details', () => {
    try {
      parseQuery('service.name = "api" AND');
      throw new Error('expected a syntax error');
    } catch (err) {
      const e = err as BaseError;
      expect(e.code).toBe('invalid_request');
      expect(e.column).toBe(25);
      expect(e.details).toEqual([{ path: 'query', message: expect.stringMatching(/at column 25$/) }]);
    }
    expect(parseQuery('http.status_code >= 500').type).toBe('comparison');
  });
});

describe('query service config', () => {
  it('requires MESH_TRACE_CURSOR_SECRET in production and explains why', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MESH_TRACE_CURSOR_SECRET|replica/);
    expect(loadConfig({}).MESH_TRACE_CURSOR_SECRET).toBeUndefined();
    const secret = 's'.repeat(32);
    expect(
      loadConfig({ NODE_ENV: 'production', MESH_TRACE_CURSOR_SECRET: secret }).MESH_TRACE_CURSOR_SECRET,
    ).toBe(secret);
    expect(() => loadConfig({ MESH_TRACE_CURSOR_SECRET: 'short' })).toThrow(/32/);
  });
});
