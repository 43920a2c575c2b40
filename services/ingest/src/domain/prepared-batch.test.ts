import { BaseError } from '@mesh-trace/errors';
import { encodeTraceMessages, parseBatch, type Tenant } from '@mesh-trace/schema';
import { describe, expect, it } from 'vitest';
import { decodeBatchBody, itemsOfRecords, prepareBatch } from './prepared-batch.js';

const NOW = 1795341600000000000n; // 2026-11-22T10:00:00Z
const limits = { maxItems: 100, retentionNs: 30n * 86_400_000_000_000n, now: NOW };
const tenant: Tenant = { org_id: 'org-1', env: 'live' };
const T1 = 'a1'.repeat(16);
const T2 = 'b2'.repeat(16);
const T3 = 'c3'.repeat(16);
const at = '2026-11-22T09:59:59.5Z';
const span = (trace: string, id: string, over: Record<string, unknown> = {}) => ({
  trace_id: trace,
  span_id: id.padStart(16, '0'),
  name: `op-${id}`,
  service: 'svc',
  start_time: at,
  end_time: '2026-11-22T10:00:00Z',
  ...over,
});
const body = {
  traces: [
    { trace_id: T1, name: 'run', start_time: at },
    { trace_id: T1, name: 'run again', agent_id: 'agent-a', start_time: at },
    { trace_id: T2, name: 'other', agent_id: 'agent-b', start_time: at, input: { q: 'why' } },
  ],
  spans: [
    span(T1, '1', { attributes: { 'llm.tokens': 12, tags: ['x', 'y'] }, resource: { host: 'h1' } }),
    span(T3, '2', {
      parent_span_id: '0000000000000003',
      kind: 'client',
      status: 'error',
      status_message: 'boom',
      events: [{ name: 'retry', time: at, attributes: { n: 2 } }],
    }),
    span(T1, '3', { parent_span_id: '0000000000000001' }),
  ],
  events: [{ trace_id: T3, span_id: '0000000000000002', type: 'tool.call', timestamp: at, data: { a: 1 } }],
};
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

function rejection(fn: () => unknown): BaseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BaseError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('decodeBatchBody', () => {
  it('gives the records encodeTraceMessages gives for the parsed batch, and what the accept path reads', () => {
    const p = decodeBatchBody(bytes(body), tenant, limits);
    expect(p.records).toEqual(encodeTraceMessages(parseBatch(body, limits), tenant, NOW));
    expect(p.counts).toEqual({ traces: 3, spans: 3, events: 1 });
    // The last trace record naming an agent wins; traces only spans or events name map to ''.
    expect([...p.traceAgents]).toEqual([
      [T1, 'agent-a'],
      [T2, 'agent-b'],
      [T3, ''],
    ]);
    expect(p.namedAgents).toEqual(['agent-a', 'agent-b']);
    expect(p.order).toEqual({ traces: [T1, T1, T2], spans: [T1, T3, T1], events: [T3] });
    expect(p.batch).toEqual(parseBatch(body, limits));
  });

  it('reads a body as body-parser reads JSON: UTF-8 with or without a byte-order mark, empty as {}', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes({ spans: [span(T1, '1', { name: 'é' })] })]);
    expect(decodeBatchBody(withBom, tenant, limits).counts.spans).toBe(1);
    const empty = rejection(() => decodeBatchBody(new Uint8Array(), tenant, limits));
    expect(empty).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/at least one/),
    });
    const none = rejection(() => decodeBatchBody(undefined, tenant, limits));
    expect(none).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/JSON object/) });
  });

  it('answers malformed JSON with invalid_json, and schema and logic errors as parseBatch does', () => {
    expect(rejection(() => decodeBatchBody(bytes('{"spans": ['), tenant, limits))).toMatchObject({
      code: 'invalid_json',
      message: 'Malformed JSON body',
    });
    const bad = { spans: [span(T1, '1', { span_id: 'xyz' })] };
    expect(rejection(() => decodeBatchBody(bytes(bad), tenant, limits))).toEqual(
      rejection(() => parseBatch(bad, limits)),
    );
    const backwards = { spans: [span(T1, '1', { end_time: '2026-11-22T09:00:00Z' })] };
    expect(rejection(() => decodeBatchBody(bytes(backwards), tenant, limits))).toMatchObject({
      code: 'unprocessable',
      details: [{ path: 'spans[0].end_time', message: 'end_time is before start_time' }],
    });
  });
});

describe('prepareBatch live entries', () => {
  const batch = parseBatch(body, limits);
  it("builds them for an agent-bound key: every item is its agent's, in the batch's order", () => {
    const p = prepareBatch(batch, { ...tenant, agent_id: 'bound' }, NOW, { liveEntries: true });
    expect(p.liveEntries?.map((e) => `${e.agent_id}:${e.type}`)).toEqual([
      'bound:trace.started',
      'bound:trace.started',
      'bound:trace.started',
      'bound:span',
      'bound:span',
      'bound:span',
      'bound:event',
    ]);
    expect(p.liveEntries?.map((e) => JSON.parse(e.data).span_id).slice(3, 6)).toEqual([
      '0000000000000001',
      '0000000000000002',
      '0000000000000003',
    ]);
  });

  it('builds them when trace records name an owner for every trace, and not otherwise', () => {
    const named = { ...body, spans: body.spans.filter((s) => s.trace_id !== T3), events: [] };
    const p = prepareBatch(parseBatch(named, limits), tenant, NOW, { liveEntries: true });
    expect(p.liveEntries?.map((e) => e.agent_id)).toEqual([
      'agent-a',
      'agent-a',
      'agent-b',
      'agent-a',
      'agent-a',
    ]);
    // T3 has no trace record here: its owner may be remembered from an earlier batch (Redis).
    expect(prepareBatch(batch, tenant, NOW, { liveEntries: true }).liveEntries).toBeUndefined();
    expect(prepareBatch(batch, { ...tenant, agent_id: 'bound' }, NOW).liveEntries).toBeUndefined();
  });
});

describe('itemsOfRecords', () => {
  it("reads back the validated items of the chosen traces, and only those, in the batch's order", () => {
    const batch = parseBatch(body, limits);
    const { records, order } = prepareBatch(batch, tenant, NOW);
    // Records carry a root span's absent parent as null.
    const spans = batch.spans.map((s) => ({ ...s, parent_span_id: s.parent_span_id ?? null }));
    // The records hold T1's two spans together; the batch has T3's between them.
    expect(itemsOfRecords(records, new Set([T1, T2, T3]), order)).toEqual({ ...batch, spans });
    const onlyT3 = itemsOfRecords(records, new Set([T3]), order);
    expect(onlyT3).toEqual({
      traces: [],
      spans: spans.filter((s) => s.trace_id === T3),
      events: batch.events,
    });
  });
});
