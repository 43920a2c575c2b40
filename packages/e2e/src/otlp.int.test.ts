import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { decodeOtlpResponseProtobuf, encodeOtlpRequestProtobuf } from '@mesh-trace/ingest/otlp-proto';
import type { SpanView } from '@mesh-trace/storage';
import { type Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSpanId, randomTraceId } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

type Json = Record<string, unknown>;
type StoredTrace = Json & { spans: SpanView[] };

/** Spans made by the real OpenTelemetry SDK: a server root, a failing client child, an event. */
function sdkSpans(service: string): { traceId: string; spans: ReadableSpan[] } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'e2e' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('e2e-instrumentation', '1.4.2');
  const rootAttrs: Attributes = {
    'http.method': 'POST',
    'http.status_code': 502,
    ratio: 0.5,
    cached: true,
    'retry.delays': [10, 20],
  };
  const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, attributes: rootAttrs });
  // No context manager is registered: the parent is passed as an explicit context.
  const child = tracer.startSpan(
    'charge card',
    { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'payments' } },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('retry', { attempt: 2 });
  child.recordException(new Error('card declined'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  return { traceId: root.spanContext().traceId, spans: memory.getFinishedSpans() };
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('OTLP/HTTP and Zipkin ingest with the official OpenTelemetry exporters', () => {
  let pipe: Pipeline;
  let key: string;

  beforeAll(async () => {
    pipe = await startPipeline(['writer', 'ingest', 'query']);
    key = await pipe.key(['ingest', 'read'], { rate_limit_per_minute: 10_000 });
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  const getTrace = (id: string) =>
    fetch(`${pipe.queryUrl}/v1/traces/${id}`, { headers: { authorization: `Bearer ${key}` } });
  const stored = (id: string, spans: number) =>
    waitFor(`trace ${id} with ${spans} spans`, async () => {
      const r = await getTrace(id);
      const t = r.status === 200 ? ((await r.json()) as Json) : undefined;
      return t && t.span_count === spans ? (t as StoredTrace) : undefined;
    });
  const postOtlp = (body: Buffer | string, headers: Record<string, string> = {}, k = key) =>
    fetch(`${pipe.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${k}`, ...headers },
      body,
    });

  const expectSdkTrace = (t: StoredTrace, service: string) => {
    expect(t.services).toEqual([service]);
    expect(t.root_service).toBe(service);
    expect(t.name).toBe('POST /checkout');
    expect(t.error_count).toBe(1);
    const root = t.spans.find((s) => s.name === 'POST /checkout');
    const child = t.spans.find((s) => s.name === 'charge card');
    expect(root).toMatchObject({
      parent_span_id: null,
      service,
      kind: 'server',
      status: 'ok',
      attributes: {
        'http.method': 'POST',
        'http.status_code': '502',
        ratio: '0.5',
        cached: 'true',
        'retry.delays': '[10,20]',
        'otel.scope.name': 'e2e-instrumentation',
        'otel.scope.version': '1.4.2',
      },
      resource: { 'service.name': service, 'deployment.environment': 'e2e' },
    });
    expect(child).toMatchObject({
      parent_span_id: root?.span_id,
      kind: 'client',
      status: 'error',
      status_message: 'card declined',
      attributes: { 'peer.service': 'payments' },
    });
    expect(child?.events.map((e) => e.name)).toEqual(['retry', 'exception']);
    expect(child?.events[0]?.attributes).toEqual({ attempt: '2' });
    expect(child?.events[1]?.attributes).toMatchObject({
      'exception.message': 'card declined',
      'exception.type': 'Error',
    });
  };

  it('stores spans exported by @opentelemetry/exporter-trace-otlp-http (OTLP/JSON)', async () => {
    const { traceId, spans } = sdkSpans(`otel-json-${pipe.run}`);
    const exporter = new OtlpHttpJsonExporter({
      url: `${pipe.ingestUrl}/v1/traces`,
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    await exporter.shutdown();
    expectSdkTrace(await stored(traceId, 2), `otel-json-${pipe.run}`);
  });

  it('stores spans exported by @opentelemetry/exporter-trace-otlp-proto, gzip-compressed', async () => {
    const { traceId, spans } = sdkSpans(`otel-proto-${pipe.run}`);
    const exporter = new OtlpProtoExporter({
      url: `${pipe.ingestUrl}/v1/traces`,
      headers: { 'x-api-key': key },
      compression: 'gzip' as never,
    });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    await exporter.shutdown();
    expectSdkTrace(await stored(traceId, 2), `otel-proto-${pipe.run}`);
  });

  it('stores spans exported by @opentelemetry/exporter-zipkin through POST /api/v2/spans', async () => {
    const service = `otel-zipkin-${pipe.run}`;
    const { traceId, spans } = sdkSpans(service);
    const exporter = new ZipkinExporter({
      url: `${pipe.ingestUrl}/api/v2/spans`,
      headers: { Authorization: `Bearer ${key}` },
      serviceName: service,
    });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    await exporter.shutdown();
    const t = await stored(traceId, 2);
    expect(t.services).toEqual([service]);
    const root = t.spans.find((s) => s.name === 'POST /checkout');
    const child = t.spans.find((s) => s.name === 'charge card');
    expect(root).toMatchObject({ kind: 'server', status: 'ok', attributes: { 'http.status_code': '502' } });
    expect(child).toMatchObject({
      parent_span_id: root?.span_id,
      kind: 'client',
      status: 'error',
      status_message: 'card declined',
    });
    expect(child?.events.map((e) => e.name)).toContain('retry');
  });

  it('answers partial_success in protobuf for the spans that fail validation, and stores the rest', async () => {
    const traceId = randomTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (name: string, start: bigint, end: bigint) => ({
      traceId: Buffer.from(traceId, 'hex'),
      spanId: Buffer.from(randomSpanId(), 'hex'),
      name,
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: end.toString(),
    });
    const body = encodeOtlpRequestProtobuf({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
          scopeSpans: [
            {
              spans: [
                span('good', now - 2_000_000n, now - 1_000_000n),
                span('backwards', now - 1_000_000n, now - 2_000_000n),
              ],
            },
          ],
        },
      ],
    });
    const res = await postOtlp(body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const answer = decodeOtlpResponseProtobuf(Buffer.from(await res.arrayBuffer()));
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toContain(
      'resourceSpans[0].scopeSpans[0].spans[1].end_time: end_time is before start_time',
    );
    const t = await stored(traceId, 1);
    expect(t.spans[0]).toMatchObject({ name: 'good', service: 'partial' });
    // Accepted OTLP traces are known to /complete at once, like batch ones.
    const complete = await fetch(`${pipe.ingestUrl}/v1/traces/${traceId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ status: 'completed' }),
    });
    expect(complete.status).toBe(200);
  });

  it('answers OTLP/JSON in JSON, with exact nanoseconds from bare numbers and partial_success', async () => {
    const traceId = randomTraceId();
    const spanId = randomSpanId();
    const start = BigInt(Date.now() - 10) * 1_000_000n + 987n;
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"${traceId}","spanId":"${spanId}","name":"json","kind":3,
       "startTimeUnixNano":${start},"endTimeUnixNano":"${start + 5_000n}","status":{"code":2}},
      {"traceId":"${traceId}","spanId":"zz","name":"bad id","startTimeUnixNano":"${start}","endTimeUnixNano":"${start}"}
    ]}]}]}`;
    const res = await postOtlp(gzipSync(text), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: expect.stringContaining('spans[1].span_id'),
      },
    });
    const t = await stored(traceId, 1);
    expect(t.spans[0]).toMatchObject({ service: 'unknown_service', kind: 'client', status: 'error' });
    expect(String(t.spans[0]?.start_time)).toMatch(/\.\d{6}987Z$/);
    // A fully accepted request leaves partial_success unset.
    const ok = await postOtlp(Buffer.from('{}'), { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
  });

  it('answers the spec status codes: 400 malformed, 401, 413, 415', async () => {
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({
        code,
        error: expect.any(String),
        request_id: expect.any(String),
      });
    };
    // Field 1 announces 16 bytes; one follows.
    await expectError(await postOtlp(Buffer.from([0x0a, 0x10, 0x01])), 400, 'invalid_request');
    await expectError(
      await postOtlp('{"resourceSpans": [', { 'content-type': 'application/json' }),
      400,
      'invalid_json',
    );
    await expectError(
      await postOtlp('spans', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    await expectError(
      await postOtlp(Buffer.alloc(0), { 'content-encoding': 'x-snappy' }),
      415,
      'unsupported_media_type',
    );
    await expectError(
      await postOtlp(Buffer.alloc(0), {}, `mtk_live_${randomBytes(16).toString('hex')}`),
      401,
      'unauthorized',
    );
    await expectError(
      await fetch(`${pipe.ingestUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.alloc(0),
      }),
      401,
      'unauthorized',
    );
    // 8 MiB of zeros inflates past the 5 MiB limit; body-parser stops there.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    await expectError(await postOtlp(bomb, { 'content-encoding': 'gzip' }), 413, 'payload_too_large');
    await expectError(
      await fetch(`${pipe.ingestUrl}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: '{"not": "a list"}',
      }),
      400,
      'validation_failed',
    );
  });

  it('throttles with 429 and Retry-After like the batch endpoint', async () => {
    const limited = await pipe.key(['ingest'], { rate_limit_per_minute: 2 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await postOtlp(Buffer.alloc(0), {}, limited);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('takes Zipkin JSON with 64-bit trace ids and reports rejected spans', async () => {
    const low = randomBytes(8).toString('hex');
    const nowUs = Date.now() * 1000;
    const res = await fetch(`${pipe.ingestUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify([
        {
          traceId: low,
          id: randomSpanId(),
          name: 'get /',
          kind: 'SERVER',
          timestamp: nowUs - 500,
          duration: 400,
          localEndpoint: { serviceName: 'zipkin-svc' },
          tags: { error: 'boom' },
        },
        { traceId: low, id: randomSpanId(), name: 'no timestamp' },
      ]),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      accepted: { spans: 1 },
      rejected: { spans: 1, details: [{ path: '[1].timestamp' }] },
    });
    const t = await stored(`0000000000000000${low}`, 1);
    expect(t.spans[0]).toMatchObject({
      service: 'zipkin-svc',
      kind: 'server',
      status: 'error',
      status_message: 'boom',
    });
  });
});
