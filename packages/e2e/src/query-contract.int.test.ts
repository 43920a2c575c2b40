import { randomBytes } from 'node:crypto';
import { apiSchemas } from '@mesh-trace/query';
import { errorBodySchema } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

const hex = (n: number) => randomBytes(n).toString('hex');

type Schema = { safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } } };

// docs/openapi/query.json is generated from the zod schemas of services/query/src/api-schemas.ts.
// Here real responses are checked against those schemas, strictly: a field the service sends but the
// reference does not document, or a documented one it does not send, fails.
describe('query API responses match the published OpenAPI schemas', () => {
  let pipe: Pipeline;
  let key: string;
  let admin: string;
  const traceId = hex(16);

  const call = async (path: string, k: string, init: RequestInit = {}) => {
    const res = await fetch(`${pipe.queryUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const conforms = (schema: Schema, body: unknown) => {
    const r = schema.safeParse(body);
    expect(r.success ? [] : r.error?.issues, JSON.stringify(body).slice(0, 500)).toEqual([]);
  };

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'writer', 'query'], { MESH_TRACE_CLUSTER: 'eu-1' });
    const org = `org_contract_${pipe.run}`;
    key = await pipe.key(['ingest', 'read'], { org });
    admin = await pipe.key(['admin', 'read', 'alerts:write'], { org });
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const root = hex(8);
    const batch = {
      traces: [
        {
          trace_id: traceId,
          name: 'plan',
          service: 'agent',
          agent_id: 'agent-1',
          start_time: iso(now - 5_000),
          input: { q: 1 },
        },
      ],
      spans: [
        {
          trace_id: traceId,
          span_id: root,
          name: 'plan',
          service: 'agent',
          kind: 'server',
          start_time: iso(now - 5_000),
          end_time: iso(now - 1_000),
          resource: { 'k8s.cluster.name': 'eu-1' },
        },
        {
          trace_id: traceId,
          span_id: hex(8),
          parent_span_id: root,
          name: 'llm',
          service: 'llm-gw',
          kind: 'client',
          start_time: iso(now - 4_000),
          end_time: iso(now - 2_000),
          status: 'error',
          status_message: 'quota',
          attributes: { 'http.status_code': 429 },
          events: [{ name: 'retry', time: iso(now - 3_000) }],
        },
      ],
      events: [
        { trace_id: traceId, type: 'tool.call', timestamp: iso(now - 3_500), data: { tool: 'search' } },
      ],
    };
    const res = await fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(202);
    const done = await fetch(`${pipe.ingestUrl}/v1/traces/${traceId}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'completed', output: { ok: true } }),
    });
    expect(done.status).toBe(200);
    await waitFor('trace, completion and edge stored', async () => {
      const t = await call(`/v1/traces/${traceId}`, key);
      const topo = await call('/v1/topology', key);
      const ok =
        t.status === 200 &&
        (t.body as { span_count: number; lifecycle: string }).span_count === 2 &&
        (t.body as { lifecycle: string }).lifecycle === 'completed' &&
        (topo.body as { edges: unknown[] }).edges?.length === 1;
      return ok ? true : undefined;
    });
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  it('GET /v1/traces/:id, /v1/traces and POST /v1/traces/search', async () => {
    conforms(apiSchemas.traceDetailSchema, (await call(`/v1/traces/${traceId}`, key)).body);
    conforms(apiSchemas.tracePageSchema, (await call('/v1/traces', key)).body);
    const search = await call('/v1/traces/search', key, {
      method: 'POST',
      body: JSON.stringify({ query: 'http.status_code >= 400' }),
    });
    expect((search.body as { data: unknown[] }).data).toHaveLength(1);
    conforms(apiSchemas.tracePageSchema, search.body);
  });

  it('GET /v1/services and /v1/topology', async () => {
    conforms(apiSchemas.servicesSchema, (await call('/v1/services', key)).body);
    conforms(apiSchemas.topologySchema, (await call('/v1/topology?time_window=6h', key)).body);
  });

  it('GET /v1/nodes and /v1/nodes/:id', async () => {
    const nodes = (await call('/v1/nodes', key)).body as { data: { node_id: string }[] };
    conforms(apiSchemas.nodesSchema, nodes);
    const first = nodes.data[0];
    expect(first).toBeDefined();
    conforms(apiSchemas.nodeSchema, (await call(`/v1/nodes/${first?.node_id}`, key)).body);
  });

  it('the API key endpoints: create, list, rotate, revoke', async () => {
    const created = await call('/v1/api-keys', admin, {
      method: 'POST',
      body: JSON.stringify({ scopes: ['read'], name: 'c' }),
    });
    expect(created.status).toBe(201);
    conforms(apiSchemas.createdKeySchema, created.body);
    conforms(apiSchemas.apiKeysSchema, (await call('/v1/api-keys', admin)).body);
    const id = (created.body as { id: string }).id;
    const rotated = await call(`/v1/api-keys/${id}/rotate`, admin, { method: 'POST' });
    conforms(apiSchemas.rotatedKeySchema, rotated.body);
    const revoked = await call(`/v1/api-keys/${(rotated.body as { id: string }).id}`, admin, {
      method: 'DELETE',
    });
    conforms(apiSchemas.apiKeySchema, revoked.body);
  });

  it('the alert rule endpoints and the alert history', async () => {
    const rule = {
      name: 'checkout errors',
      condition: { metric: 'error_rate', service: 'agent', threshold: 0.05, window: '5m' },
      channels: [{ type: 'webhook', url: 'https://hooks.example.com/mesh', secret: 's3cret' }],
    };
    const created = await call('/v1/alerts/rules', admin, { method: 'POST', body: JSON.stringify(rule) });
    expect(created.status).toBe(201);
    conforms(apiSchemas.alertRuleSchema, created.body);
    const id = (created.body as { id: string }).id;
    conforms(apiSchemas.alertRuleSchema, (await call(`/v1/alerts/rules/${id}`, admin)).body);
    const patched = await call(`/v1/alerts/rules/${id}`, admin, {
      method: 'PATCH',
      body: JSON.stringify({ severity: 'critical' }),
    });
    conforms(apiSchemas.alertRuleSchema, patched.body);
    conforms(apiSchemas.alertRulesSchema, (await call('/v1/alerts/rules', admin)).body);
    conforms(apiSchemas.alertEventsSchema, (await call('/v1/alerts/events?limit=5', admin)).body);
  });

  it('errors: the one JSON error body', async () => {
    for (const [path, status] of [
      ['/v1/traces?limit=0', 400],
      [`/v1/traces/${hex(16)}`, 404],
      ['/v1/topology?time_window=2h', 400],
    ] as const) {
      const r = await call(path, key);
      expect(r.status, path).toBe(status);
      conforms(errorBodySchema, r.body);
    }
  });
});
