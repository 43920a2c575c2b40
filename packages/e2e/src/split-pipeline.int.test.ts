import { randomBytes } from 'node:crypto';
import { createKey } from '@mesh-trace/auth';
import { type ClickHouseClient, createClickHouse, migrate } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSampleTrace } from './assert-trace.js';
import { randomTraceId, sampleBatch } from './fixtures.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

// ingest → Kafka → writer → ClickHouse → query, as three processes against the real dev stack.
describe('split deployment: first trace end to end', () => {
  const stack = stackEnv();
  const run = randomBytes(4).toString('hex');
  const bootstrapKey = `mtk_live_e2e${randomBytes(16).toString('hex')}`;
  let ch: ClickHouseClient;
  let key: string;
  let otherOrgKey: string;
  let ingestUrl: string;
  let queryUrl: string;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
    await migrate(ch, { retentionDays: 30 });
    key = (await createKey(ch, { org_id: `org_${run}`, env: 'live', scopes: ['ingest', 'read'] })).key;
    otherOrgKey = (
      await createKey(ch, { org_id: `org_other_${run}`, env: 'live', scopes: ['ingest', 'read'] })
    ).key;
    const [ingestPort, queryPort, writerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const common = {
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      REDIS_URL: stack.REDIS_URL,
      CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
      MESH_TRACE_TOPIC: `e2e-spans-${run}`,
      MESH_TRACE_BOOTSTRAP_KEY: bootstrapKey,
    };
    ingestUrl = `http://127.0.0.1:${ingestPort}`;
    queryUrl = `http://127.0.0.1:${queryPort}`;
    procs.push(
      ...(await Promise.all([
        spawnService(
          'writer',
          'services/writer/dist/main.js',
          {
            ...common,
            MESH_TRACE_WRITER_GROUP: `e2e-writer-${run}`,
            MESH_TRACE_WRITER_HOST: '127.0.0.1',
            MESH_TRACE_WRITER_PORT: String(writerPort),
          },
          `http://127.0.0.1:${writerPort}/readyz`,
        ),
        spawnService(
          'ingest',
          'services/ingest/dist/main.js',
          {
            ...common,
            MESH_TRACE_INGEST_HOST: '127.0.0.1',
            MESH_TRACE_INGEST_PORT: String(ingestPort),
          },
          `${ingestUrl}/readyz`,
        ),
        spawnService(
          'query',
          'services/query/dist/main.js',
          {
            ...common,
            MESH_TRACE_QUERY_HOST: '127.0.0.1',
            MESH_TRACE_QUERY_PORT: String(queryPort),
          },
          `${queryUrl}/readyz`,
        ),
      ])),
    );
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await ch?.close();
  });

  const post = (body: unknown, k = key, headers: Record<string, string> = {}) =>
    fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${k}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const getTrace = (id: string, k = key) =>
    fetch(`${queryUrl}/v1/traces/${id}`, { headers: { 'x-api-key': k } });

  it('accepts a batch with 202 and serves the trace with its spans and events', async () => {
    const sample = sampleBatch();
    const res = await post(sample.body, key, { 'x-request-id': `req-${run}` });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(`req-${run}`);
    expect(await res.json()).toEqual({
      accepted: { traces: 1, spans: 2, events: 1 },
      request_id: `req-${run}`,
    });

    const trace = await waitFor('trace readable on the query service', async () => {
      const r = await getTrace(sample.traceId.toUpperCase());
      return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
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

  it('exposes health, readiness and Prometheus metrics on every service', async () => {
    for (const url of [ingestUrl, queryUrl]) {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('http_request_duration_seconds_bucket');
      expect(metrics).toContain('process_resident_memory_bytes');
    }
  });

  it('shuts every process down cleanly on SIGTERM', async () => {
    const codes = await Promise.all(procs.splice(0).map((p) => p.stop()));
    expect(codes).toEqual([0, 0, 0]);
  });
});
