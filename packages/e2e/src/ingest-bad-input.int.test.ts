import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSpanId, randomTraceId, sampleBatch } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const span = (over: Record<string, unknown> = {}) => ({
  trace_id: randomTraceId(),
  span_id: randomSpanId(),
  name: 'op',
  service: 'svc',
  start_time: iso(-1000),
  end_time: iso(),
  ...over,
});
const spans = (...s: unknown[]) => JSON.stringify({ spans: s });

interface BadCase {
  name: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  code: string;
  path?: string;
}

const dupId = randomSpanId();
const dupTrace = randomTraceId();
const CASES: BadCase[] = [
  { name: 'malformed JSON', body: '{"spans": [', status: 400, code: 'invalid_json' },
  { name: 'trailing garbage', body: '{"spans": []} x', status: 400, code: 'invalid_json' },
  { name: 'empty body', body: '', status: 400, code: 'validation_failed' },
  { name: 'JSON null', body: 'null', status: 400, code: 'validation_failed' },
  { name: 'JSON array', body: '[]', status: 400, code: 'validation_failed' },
  { name: 'JSON string', body: '"spans"', status: 400, code: 'validation_failed' },
  { name: 'empty object', body: '{}', status: 400, code: 'validation_failed' },
  {
    name: 'empty lists',
    body: '{"traces":[],"spans":[],"events":[]}',
    status: 400,
    code: 'validation_failed',
  },
  { name: 'spans not a list', body: '{"spans": {}}', status: 400, code: 'validation_failed', path: 'spans' },
  {
    name: 'span not an object',
    body: '{"spans": [42]}',
    status: 400,
    code: 'validation_failed',
    path: 'spans[0]',
  },
  {
    name: 'missing trace_id',
    body: spans(span({ trace_id: undefined })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].trace_id',
  },
  {
    name: 'short trace_id',
    body: spans(span({ trace_id: 'abc' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].trace_id',
  },
  {
    name: 'non-hex trace_id',
    body: spans(span({ trace_id: 'z'.repeat(32) })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].trace_id',
  },
  {
    name: 'numeric trace_id',
    body: spans(span({ trace_id: 12345 })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].trace_id',
  },
  {
    name: 'long span_id',
    body: spans(span({ span_id: 'a'.repeat(32) })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].span_id',
  },
  {
    name: 'bad parent id',
    body: spans(span({ parent_span_id: 'parent' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].parent_span_id',
  },
  {
    name: 'missing name',
    body: spans(span({ name: undefined })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].name',
  },
  {
    name: 'empty name',
    body: spans(span({ name: '' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].name',
  },
  {
    name: 'huge name',
    body: spans(span({ name: 'n'.repeat(5000) })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].name',
  },
  {
    name: 'missing service',
    body: spans(span({ service: undefined })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].service',
  },
  {
    name: 'name is a number',
    body: spans(span({ name: 7 })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].name',
  },
  {
    name: 'unknown kind',
    body: spans(span({ kind: 'sideways' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].kind',
  },
  {
    name: 'unknown status',
    body: spans(span({ status: 'fine' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].status',
  },
  {
    name: 'bad timestamp text',
    body: spans(span({ start_time: 'yesterday' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].start_time',
  },
  {
    name: 'impossible date',
    body: spans(span({ start_time: '2026-02-31T00:00:00Z' })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].start_time',
  },
  {
    name: 'negative epoch',
    body: spans(span({ end_time: -5 })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].end_time',
  },
  {
    name: 'timestamp is an object',
    body: spans(span({ end_time: {} })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].end_time',
  },
  {
    name: 'nested attribute object',
    body: spans(span({ attributes: { a: { b: 1 } } })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].attributes.a',
  },
  {
    name: 'attribute null',
    body: spans(span({ attributes: { a: null } })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].attributes.a',
  },
  {
    name: 'nested array attribute',
    body: spans(span({ attributes: { a: [[1]] } })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].attributes.a',
  },
  {
    name: 'huge attribute value',
    body: spans(span({ attributes: { a: 'x'.repeat(70_000) } })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].attributes.a',
  },
  {
    name: 'nested resource object',
    body: spans(span({ resource: { r: { x: 1 } } })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].resource.r',
  },
  {
    name: 'span event without name',
    body: spans(span({ events: [{ time: iso() }] })),
    status: 400,
    code: 'validation_failed',
    path: 'spans[0].events[0].name',
  },
  {
    name: 'trace without name',
    body: JSON.stringify({ traces: [{ trace_id: randomTraceId(), start_time: iso() }] }),
    status: 400,
    code: 'validation_failed',
    path: 'traces[0].name',
  },
  {
    name: 'event without type',
    body: JSON.stringify({ events: [{ trace_id: randomTraceId(), timestamp: iso() }] }),
    status: 400,
    code: 'validation_failed',
    path: 'events[0].type',
  },
  {
    name: 'input over 256 KiB',
    body: JSON.stringify({
      traces: [{ trace_id: randomTraceId(), name: 't', start_time: iso(), input: 'i'.repeat(300_000) }],
    }),
    status: 400,
    code: 'validation_failed',
    path: 'traces[0].input',
  },
  {
    name: 'too many items',
    body: spans(...Array.from({ length: 10_001 }, () => ({}))),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'end before start',
    body: spans(span({ start_time: iso(), end_time: iso(-5000) })),
    status: 422,
    code: 'unprocessable',
    path: 'spans[0].end_time',
  },
  {
    name: 'all-zero trace id',
    body: spans(span({ trace_id: '0'.repeat(32) })),
    status: 422,
    code: 'unprocessable',
    path: 'spans[0].trace_id',
  },
  {
    name: 'all-zero span id',
    body: spans(span({ span_id: '0'.repeat(16) })),
    status: 422,
    code: 'unprocessable',
    path: 'spans[0].span_id',
  },
  {
    name: 'duplicate span ids',
    body: spans(
      span({ trace_id: dupTrace, span_id: dupId }),
      span({ trace_id: dupTrace, span_id: dupId.toUpperCase() }),
    ),
    status: 422,
    code: 'unprocessable',
    path: 'spans[1].span_id',
  },
  {
    name: 'older than retention',
    body: spans(span({ start_time: '2020-01-01T00:00:00Z', end_time: '2020-01-01T00:00:01Z' })),
    status: 422,
    code: 'unprocessable',
  },
  {
    name: 'two hours in the future',
    body: spans(span({ start_time: iso(2 * 3600_000), end_time: iso(2 * 3600_000 + 1) })),
    status: 422,
    code: 'unprocessable',
  },
  {
    name: 'text/plain body',
    body: spans(span()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    // JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); UTF-16 was read before 2026-12-03.
    name: 'JSON in UTF-16',
    body: Buffer.from(spans(span()), 'utf16le'),
    headers: { 'content-type': 'application/json; charset=utf-16le' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form body',
    body: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'unknown encoding',
    body: spans(span()),
    headers: { 'content-encoding': 'x-lz5' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'corrupt gzip',
    body: Buffer.from('definitely not gzip'),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'plain body over 5 MiB',
    body: `{"spans":[],"pad":"${'p'.repeat(5 * 1024 * 1024 + 10)}"}`,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'gzip bomb',
    body: gzipSync(Buffer.from(`{"pad":"${'0'.repeat(50 * 1024 * 1024)}"}`)),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
    code: 'payload_too_large',
  },
];

// Every documented rejection of POST /v1/traces/batch, then proof that the process is fine.
describe('ingest rejects bad input with the documented status and body', () => {
  let pipe: Pipeline;
  let key: string;
  let ingestUrl: string;
  let queryUrl: string;

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'query', 'writer']);
    ({ ingestUrl, queryUrl } = pipe);
    key = await pipe.key(['ingest', 'read'], { rate_limit_per_minute: 10_000 });
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  it(`has at least 40 distinct cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name → $status $code', async (c) => {
    const res = await fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...c.headers },
      body: c.body,
    });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      error: string;
      code: string;
      request_id: string;
      details?: { path: string }[];
    };
    expect(body.code).toBe(c.code);
    expect(body.error).toEqual(expect.any(String));
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
    if (c.path) expect(body.details?.map((d) => d.path)).toContain(c.path);
  });

  it('stays up and stores a good batch sent after all of them', async () => {
    expect((await fetch(`${ingestUrl}/healthz`)).status).toBe(200);
    const sample = sampleBatch();
    // UTF-8 named in the header, with a byte-order mark, as some clients send it.
    const res = await fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8', authorization: `Bearer ${key}` },
      body: `\uFEFF${JSON.stringify(sample.body)}`,
    });
    expect(res.status).toBe(202);
    await waitFor('good trace stored', async () => {
      const r = await fetch(`${queryUrl}/v1/traces/${sample.traceId}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return r.status === 200 ? true : undefined;
    });
    const metrics = await (await fetch(`${ingestUrl}/metrics`)).text();
    // Every series also carries service="ingest" (deploy/monitoring selects by it).
    expect(metrics).toMatch(
      /mesh_trace_ingest_rejected_total\{code="validation_failed",service="ingest"\} [1-9]/,
    );
    expect(metrics).toMatch(/mesh_trace_ingest_batch_items_count\{service="ingest"\} [1-9]/);
    expect(metrics).toMatch(/mesh_trace_ingest_produce_seconds_count\{service="ingest"\} [1-9]/);
  });
});
