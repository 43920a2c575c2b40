import { BaseError, ValidationError } from '@mesh-trace/errors';
import { describe, expect, it } from 'vitest';
import { wrongTypeMutations } from './otlp-test-mutations.js';
import { partitionValidSpans } from './span-candidates.js';
import { zipkinToCandidates } from './zipkin-mapping.js';

const limits = { maxItems: 100, retentionNs: 7n * 86_400_000_000_000n };
const nowUs = Date.now() * 1000;

describe('Zipkin v2 → span model', () => {
  it('maps ids, kinds, endpoints, tags, status and annotations', () => {
    const body = [
      {
        traceId: '463ac35c9f6413ad',
        id: 'a2fb4a1d1a96d312',
        name: 'get /api',
        kind: 'SERVER',
        timestamp: nowUs - 2000,
        duration: 1500,
        localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 },
        remoteEndpoint: { serviceName: 'browser', ipv6: '::1' },
        annotations: [{ timestamp: nowUs - 1000, value: 'ws' }],
        tags: { 'http.path': '/api', error: 'timeout' },
        shared: true,
      },
      {
        traceId: '463ac35c9f6413ad463ac35c9f6413ad',
        id: 'b2fb4a1d1a96d312',
        parentId: 'a2fb4a1d1a96d312',
        kind: 'CLIENT',
        timestamp: nowUs - 1500,
        duration: 10,
        localEndpoint: { serviceName: 'frontend' },
        tags: { 'otel.status_code': 'OK', 'otel.scope.name': 'zipkin-js' },
      },
      { traceId: '463ac35c9f6413ad', id: 'c2fb4a1d1a96d312', name: 'open', timestamp: nowUs - 100 },
    ];
    const { batch, rejected } = partitionValidSpans(zipkinToCandidates(body), limits);
    expect(rejected).toBe(0);
    const [server, client, open] = batch.spans;
    expect(server).toMatchObject({
      trace_id: '0000000000000000463ac35c9f6413ad',
      span_id: 'a2fb4a1d1a96d312',
      parent_span_id: null,
      name: 'get /api',
      service: 'frontend',
      kind: 'server',
      status: 'error',
      status_message: 'timeout',
      start_time: BigInt(nowUs - 2000) * 1000n,
      end_time: BigInt(nowUs - 500) * 1000n,
      resource: { 'service.name': 'frontend' },
      attributes: {
        'http.path': '/api',
        error: 'timeout',
        'net.host.ip': '10.0.0.1',
        'net.host.port': 8080,
        'peer.service': 'browser',
        'net.peer.ip': '::1',
        'zipkin.shared': true,
      },
      events: [{ name: 'ws', time: BigInt(nowUs - 1000) * 1000n, attributes: {} }],
    });
    expect(client).toMatchObject({
      parent_span_id: 'a2fb4a1d1a96d312',
      name: 'unknown',
      kind: 'client',
      status: 'ok',
      attributes: { 'otel.scope.name': 'zipkin-js' },
    });
    expect(client?.attributes).not.toHaveProperty('otel.status_code');
    // No duration: a zero-length span; no endpoint: the default service.
    expect(open).toMatchObject({ service: 'unknown_service', kind: 'internal', status: 'unset' });
    expect(open?.end_time).toBe(open?.start_time);
  });

  it('rejects spans without a timestamp or with bad ids, keeping the rest', () => {
    const ok = {
      traceId: '463ac35c9f6413ad',
      id: 'a2fb4a1d1a96d312',
      name: 'x',
      timestamp: nowUs,
      duration: 1,
    };
    const { batch, rejected, problems } = partitionValidSpans(
      zipkinToCandidates([
        ok,
        { ...ok, id: 'b2fb4a1d1a96d312', timestamp: undefined },
        { ...ok, id: 'zz' },
        'nope',
      ]),
      limits,
    );
    expect(batch.spans).toHaveLength(1);
    expect(rejected).toBe(3);
    expect(problems.map((p) => p.path)).toEqual(['[1].timestamp', '[2].span_id', '[3]']);
    expect(() => zipkinToCandidates({ spans: [] })).toThrow(ValidationError);
  });

  it('answers every wrong type anywhere in a Zipkin body with a 4xx error or a rejected span, never a crash', () => {
    const span = {
      traceId: '463ac35c9f6413ad',
      id: 'a2fb4a1d1a96d312',
      parentId: 'b2fb4a1d1a96d312',
      name: 'x',
      kind: 'CLIENT',
      timestamp: nowUs,
      duration: 5,
      localEndpoint: { serviceName: 'a', ipv4: '10.0.0.1', port: 1 },
      remoteEndpoint: { serviceName: 'b', ipv6: '::1', port: 2 },
      annotations: [{ timestamp: nowUs, value: 'v' }],
      tags: { error: 'e', 'otel.status_code': 'ERROR' },
    };
    let cases = 0;
    for (const { body, replaced } of wrongTypeMutations([span])) {
      cases += 1;
      try {
        partitionValidSpans(zipkinToCandidates(JSON.parse(body)), limits);
      } catch (err) {
        if (!(err instanceof BaseError)) throw new Error(`crash with ${JSON.stringify(replaced)}: ${err}`);
      }
    }
    expect(cases).toBeGreaterThan(200);
  });
});
