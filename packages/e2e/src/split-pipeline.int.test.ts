import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSampleTrace, sampleComplete } from './assert-trace.js';
import { randomTraceId, sampleBatch } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

// ingest → Kafka → writer → ClickHouse → query, as three processes against the real dev stack.
describe('split deployment: first trace end to end', () => {
  const bootstrapKey = `mtk_live_e2e${randomBytes(16).toString('hex')}`;
  let pipe: Pipeline;
  let key: string;
  let otherOrgKey: string;
  let ingestUrl: string;
  let queryUrl: string;

  beforeAll(async () => {
    pipe = await startPipeline(['writer', 'ingest', 'query'], { MESH_TRACE_BOOTSTRAP_KEY: bootstrapKey });
    ({ ingestUrl, queryUrl } = pipe);
    key = await pipe.key(['ingest', 'read']);
    otherOrgKey = await pipe.key(['ingest', 'read']);
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  const post = (body: unknown, k = key, headers: Record<string, string> = {}) =>
    fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${k}`, ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
  const getTrace = (id: string, k = key) =>
    fetch(`${queryUrl}/v1/traces/${id}`, { headers: { 'x-api-key': k } });

  it('accepts a batch with 202 and serves the trace with its spans and events', async () => {
    const sample = sampleBatch();
    const res = await post(sample.body, key, { 'x-request-id': `req-${pipe.run}` });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(`req-${pipe.run}`);
    expect(await res.json()).toEqual({
      accepted: { traces: 1, spans: 2, events: 1 },
      request_id: `req-${pipe.run}`,
    });

    const trace = await waitFor('trace readable on the query service', async () => {
      const r = await getTrace(sample.traceId.toUpperCase());
      const t = r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
      return t && sampleComplete(t) ? t : undefined;
    });
    expectSampleTrace(trace, sample);
  });

  it('keeps organisations apart and answers unknown or malformed ids with 404 and 400', async () => {
    const sample = sampleBatch();
    expect((await post(sample.body)).status).toBe(202);
    await waitFor('trace stored', async () =>
      (await getTrace(sample.traceId)).status === 200 ? true : undefined,
    );
    const foreign = await getTrace(sample.traceId, otherOrgKey);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'not_found', error: expect.any(String) });
    expect((await getTrace(randomTraceId())).status).toBe(404);
    const bad = await getTrace('not-a-trace-id');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request', request_id: expect.any(String) });
  });

  it('rejects missing keys, bad JSON and invalid batches with the JSON error body', async () => {
    const noKey = await fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ code: 'unauthorized', request_id: expect.any(String) });
    expect((await post('{"spans": [', key)).status).toBe(400);
    const invalid = await post({ spans: [{ trace_id: 'xyz', span_id: '1', name: '', service: 's' }] });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { details: { path: string }[] };
    expect(body.details.map((d) => d.path)).toContain('spans[0].trace_id');
    const sample = sampleBatch();
    const backwards = structuredClone(sample.body);
    const span = backwards.spans[0];
    if (span) span.end_time = '2000-01-01T00:00:00Z';
    expect((await post(backwards)).status).toBe(422);
  });

  it('honours MESH_TRACE_BOOTSTRAP_KEY on a fresh deployment', async () => {
    const sample = sampleBatch();
    expect((await post(sample.body, bootstrapKey)).status).toBe(202);
    await waitFor('trace readable with the bootstrap key', async () =>
      (await getTrace(sample.traceId, bootstrapKey)).status === 200 ? true : undefined,
    );
  });

  it('completes a trace accepted moments ago, and the latest completion wins', async () => {
    const sample = sampleBatch();
    expect((await post(sample.body)).status).toBe(202);
    const complete = (body: unknown, id = sample.traceId, k = key) =>
      fetch(`${ingestUrl}/v1/traces/${id}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${k}` },
        body: JSON.stringify(body),
      });
    // Right after the 202 the batch may still be queued: the accepted-trace store answers.
    const first = await complete({ status: 'completed', output: { answer: 'first' } });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ trace_id: sample.traceId, status: 'completed' });
    expect(
      (await complete({ status: 'errored', error: { message: 'tool failed', type: 'ToolError' } })).status,
    ).toBe(200);
    expect((await complete({ status: 'completed' }, randomTraceId())).status).toBe(404);
    expect((await complete({ status: 'completed' }, sample.traceId, otherOrgKey)).status).toBe(404);
    expect((await complete({ status: 'done' })).status).toBe(400);

    const trace = await waitFor('completion stored', async () => {
      const r = await getTrace(sample.traceId);
      const t =
        r.status === 200 ? ((await r.json()) as { lifecycle: string; completion: unknown }) : undefined;
      return t?.lifecycle === 'errored' ? t : undefined;
    });
    expect(trace.completion).toMatchObject({
      status: 'errored',
      error: { message: 'tool failed', type: 'ToolError' },
    });
  });

  it('takes gzip bodies and refuses oversized and non-JSON ones', async () => {
    const sample = sampleBatch();
    const gz = await post(gzipSync(JSON.stringify(sample.body)), key, { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(202);
    // 6 MiB of zeros compresses to a few KiB; the limit applies after decompression.
    const bomb = gzipSync(Buffer.from(`{"spans":[],"pad":"${'0'.repeat(6 * 1024 * 1024)}"}`));
    const big = await post(bomb, key, { 'content-encoding': 'gzip' });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'payload_too_large' });
    const text = await post('hello', key, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect((await post('{}', key, { 'content-encoding': 'x-snappy' })).status).toBe(415);
    const corrupt = await post(Buffer.from('not gzip at all'), key, { 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
  });

  it('exposes health, readiness and Prometheus metrics on every service', async () => {
    for (const url of [ingestUrl, queryUrl]) {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('http_request_duration_seconds_bucket');
      expect(metrics).toContain('process_resident_memory_bytes');
    }
  });

  it('shuts every process down cleanly on SIGTERM', async () => {
    expect(await pipe.stop()).toEqual([0, 0, 0]);
  });
});
