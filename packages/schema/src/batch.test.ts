import { UnprocessableError, ValidationError } from '@mesh-trace/errors';
import { describe, expect, it } from 'vitest';
import { parseBatch } from './batch.js';
import { decodeTraceMessage, encodeTraceMessages } from './bus-message.js';

const NOW = 1795341600000000000n; // 2026-11-22T10:00:00Z
const limits = { maxItems: 10, retentionNs: 30n * 86_400_000_000_000n, now: NOW };
const T = 'AB'.repeat(16);
const span = (over: Record<string, unknown> = {}) => ({
  trace_id: T,
  span_id: '00000000000000a1',
  name: 'op',
  service: 'svc',
  start_time: '2026-11-22T09:59:59Z',
  end_time: '2026-11-22T10:00:00Z',
  ...over,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('parseBatch', () => {
  it('normalises ids to lower case and timestamps to nanoseconds, with defaults', () => {
    const b = parseBatch({ spans: [span()] }, limits);
    expect(b.spans[0]).toMatchObject({
      trace_id: 'ab'.repeat(16),
      kind: 'internal',
      status: 'unset',
      start_time: NOW - 1_000_000_000n,
      attributes: {},
      events: [],
    });
  });

  it('answers schema violations with 400 details naming the field path', () => {
    const err = thrown(() =>
      parseBatch({ spans: [span(), span({ trace_id: 'zz', attributes: { a: { nested: 1 } } })] }, limits),
    );
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['spans[1].trace_id', 'spans[1].attributes.a']));
  });

  it('rejects empty, non-object and oversized batches with 400', () => {
    expect(thrown(() => parseBatch({}, limits))).toBeInstanceOf(ValidationError);
    expect(thrown(() => parseBatch([span()], limits))).toBeInstanceOf(ValidationError);
    const many = Array.from({ length: 11 }, (_, i) =>
      span({ span_id: (i + 1).toString(16).padStart(16, '0') }),
    );
    expect((thrown(() => parseBatch({ spans: many }, limits)) as Error).message).toMatch(/limit is 10/);
  });

  it('answers logically invalid batches with 422', () => {
    const cases = [
      span({ end_time: '2026-11-22T09:00:00Z' }), // end before start
      span({ trace_id: '0'.repeat(32) }),
      span({ start_time: '2020-01-01T00:00:00Z', end_time: '2020-01-01T00:00:01Z' }), // past retention
      span({ start_time: '2026-11-22T12:00:00Z', end_time: '2026-11-22T12:00:01Z' }), // > now + 1h
    ];
    for (const s of cases)
      expect(thrown(() => parseBatch({ spans: [s] }, limits))).toBeInstanceOf(UnprocessableError);
    const dup = thrown(() => parseBatch({ spans: [span(), span()] }, limits)) as UnprocessableError;
    expect(dup.details?.[0]?.path).toBe('spans[1].span_id');
  });
});

describe('bus messages', () => {
  it('split a batch into one message per trace and decode back losslessly', () => {
    const other = 'cd'.repeat(16);
    const b = parseBatch(
      {
        spans: [span(), span({ trace_id: other })],
        events: [{ trace_id: other, type: 'tool.call', timestamp: '2026-11-22T10:00:00Z' }],
      },
      limits,
    );
    const records = encodeTraceMessages(b, { org_id: 'o1', env: 'live', agent_id: 'a1' }, NOW);
    expect(records.map((r) => r.key).sort()).toEqual(['ab'.repeat(16), other]);
    const decoded = records.map((r) => decodeTraceMessage(r.value));
    const second = decoded.find((d) => d.ok && d.message.trace_id === other);
    expect(second).toMatchObject({
      ok: true,
      message: { org_id: 'o1', agent_id: 'a1', events: [{ type: 'tool.call' }] },
    });
  });

  it('splits a trace too large for one message into several of the same key, losing nothing', () => {
    const spans = Array.from({ length: 40 }, (_, i) =>
      span({ span_id: (i + 1).toString(16).padStart(16, '0'), attributes: { blob: 'x'.repeat(1_000) } }),
    );
    const b = parseBatch(
      {
        traces: [{ trace_id: T, name: 'big', start_time: '2026-11-22T09:59:59Z' }],
        spans,
        events: [{ trace_id: T, type: 'tool.call', timestamp: '2026-11-22T10:00:00Z' }],
      },
      { ...limits, maxItems: 100 },
    );
    const tenant = { org_id: 'o1', env: 'live' as const };
    expect(encodeTraceMessages(b, tenant, NOW)).toHaveLength(1);
    const records = encodeTraceMessages(b, tenant, NOW, 8_000);
    expect(records.length).toBeGreaterThan(4);
    const parts = records.map((r) => {
      expect(r.key).toBe(T.toLowerCase());
      expect(r.value.length).toBeLessThanOrEqual(8_000);
      const d = decodeTraceMessage(r.value);
      if (!d.ok) throw new Error(d.reason);
      return d.message;
    });
    expect(parts.flatMap((p) => p.spans.map((s) => s.span_id))).toEqual(spans.map((s) => s.span_id));
    expect(parts.flatMap((p) => p.traces)).toHaveLength(1);
    expect(parts.flatMap((p) => p.events)).toHaveLength(1);
    for (const p of parts)
      expect(p).toMatchObject({ org_id: 'o1', env: 'live', received_at: NOW.toString() });
  });

  it('answers a payload nested deeper than JSON.stringify can walk with a 400 on its path', () => {
    const body = JSON.parse(
      `{"traces":[{"trace_id":"${T}","name":"t","start_time":"2026-11-22T09:59:59Z","input":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}`,
    );
    const err = thrown(() => parseBatch(body, limits));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details).toEqual([
      { path: 'traces[0].input', message: 'is nested too deeply' },
    ]);
  });

  it('refuses with 413 one item larger than a Kafka message can carry', () => {
    const big = span({ attributes: { blob: 'x'.repeat(20_000) } });
    const b = parseBatch({ spans: [big, span({ span_id: '00000000000000b2' })] }, limits);
    const err = thrown(() => encodeTraceMessages(b, { org_id: 'o1', env: 'live' }, NOW, 8_000));
    expect(err).toMatchObject({ code: 'payload_too_large' });
    expect((err as Error).message).toMatch(/^One span of trace (ab)+ is \d+ bytes of JSON/);
  });

  it('reports undecodable messages instead of throwing', () => {
    expect(decodeTraceMessage(Buffer.from('{nope'))).toEqual({ ok: false, reason: 'invalid_json' });
    expect(decodeTraceMessage(null)).toEqual({ ok: false, reason: 'empty_value' });
    expect(decodeTraceMessage(Buffer.from('{"v":2}')).ok).toBe(false);
  });

  it('refuses a span whose attributes or resource are not an object', () => {
    const message = (attributes: unknown, resource: unknown = {}) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          org_id: 'o1',
          env: 'live',
          trace_id: 'ab'.repeat(16),
          received_at: '1',
          spans: [
            {
              span_id: 'a'.repeat(16),
              name: 'n',
              service: 's',
              kind: 'internal',
              start_time: '1',
              end_time: '2',
              status: 'ok',
              attributes,
              resource,
            },
          ],
        }),
      );
    expect(decodeTraceMessage(message({ a: 1, b: ['x'] })).ok).toBe(true);
    for (const bad of [null, [], 'x', 3]) {
      expect(decodeTraceMessage(message(bad))).toEqual({ ok: false, reason: 'schema: expected an object' });
      expect(decodeTraceMessage(message({}, bad)).ok).toBe(false);
    }
  });
});
