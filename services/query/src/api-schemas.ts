import { alertConditionSchema, alertRuleSpecSchema } from '@mesh-trace/storage';
import { z } from 'zod';

// What the query API answers, as zod schemas: the OpenAPI document (docs/openapi/query.json) is
// generated from them, and the contract test (packages/e2e/src/query-contract.int.test.ts) checks real
// responses against them strictly, so an undocumented or missing field fails the suite.

const iso = z.string().describe('ISO 8601 UTC timestamp with up to nanosecond precision');
const attrs = z.record(z.string(), z.string()).describe('attribute values, stored as strings');

export const traceSummarySchema = z.strictObject({
  trace_id: z.string(),
  name: z.string(),
  root_service: z.string(),
  services: z.array(z.string()),
  start_time: iso,
  end_time: iso,
  duration_ms: z.number(),
  span_count: z.number().int(),
  error_count: z.number().int(),
  status: z.enum(['ok', 'error', 'unset']),
  agent_id: z.string().nullable(),
  lifecycle: z.enum(['running', 'completed', 'errored']),
});

export const tracePageSchema = z.strictObject({
  data: z.array(traceSummarySchema),
  next_cursor: z.string().nullable().describe('null on the last page'),
});

export const spanSchema = z.strictObject({
  trace_id: z.string(),
  span_id: z.string(),
  parent_span_id: z.string().nullable(),
  name: z.string(),
  service: z.string(),
  kind: z.string(),
  start_time: iso,
  end_time: iso,
  duration_ms: z.number(),
  status: z.string(),
  status_message: z.string(),
  attributes: attrs,
  resource: attrs,
  events: z.array(z.strictObject({ name: z.string(), time: iso, attributes: attrs })),
});

export const traceDetailSchema = traceSummarySchema.extend({
  completion: z
    .strictObject({
      status: z.enum(['completed', 'errored']),
      end_time: iso.nullable(),
      output: z.unknown(),
      error: z.unknown(),
      attributes: attrs,
    })
    .nullable(),
  attributes: attrs,
  input: z.unknown(),
  spans: z.array(spanSchema).describe('ordered by start time, then span id; one window of a large trace'),
  events: z.array(
    z.strictObject({ span_id: z.string().nullable(), type: z.string(), timestamp: iso, data: z.unknown() }),
  ),
  next_cursor: z.string().nullable().describe('the next window of spans; null when every span was returned'),
});

export const servicesSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      service: z.string(),
      span_count: z.number().int(),
      error_count: z.number().int(),
      error_rate: z.number(),
      p50_ms: z.number(),
      p95_ms: z.number(),
      p99_ms: z.number(),
      last_seen: iso,
      clusters: z.array(z.string()),
    }),
  ),
});

export const topologySchema = z.strictObject({
  nodes: z.array(
    z.strictObject({ service: z.string(), span_count: z.number().int(), error_rate: z.number() }),
  ),
  edges: z.array(
    z.strictObject({
      source: z.string(),
      target: z.string(),
      calls: z.number().int(),
      errors: z.number().int(),
      error_rate: z.number(),
      p50_ms: z.number(),
      p95_ms: z.number(),
      p99_ms: z.number(),
    }),
  ),
});

export const nodeSchema = z.strictObject({
  node_id: z.string(),
  role: z.enum(['ingest', 'writer']),
  cluster: z.string(),
  hostname: z.string(),
  version: z.string(),
  started_at: iso,
  last_heartbeat: iso,
  heartbeat_age_s: z.number(),
  status: z.enum(['ok', 'stale', 'down']),
  draining: z.boolean(),
  stats: z.record(z.string(), z.number()),
});

export const nodesSchema = z.strictObject({ data: z.array(nodeSchema) });

export const apiKeySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  org_id: z.string(),
  env: z.enum(['live', 'sandbox']),
  scopes: z.array(z.string()),
  agent_id: z.string().nullable(),
  rate_limit_per_minute: z.number().int().nullable(),
  created_at: iso,
  revoked_at: iso.nullable(),
});

export const createdKeySchema = apiKeySchema.extend({
  key: z.string().describe('the secret: shown once, never stored'),
});
export const rotatedKeySchema = createdKeySchema.extend({ rotated_from: z.string() });
export const apiKeysSchema = z.strictObject({ data: z.array(apiKeySchema) });

/** An alert rule as the API returns it: the request document with defaults, plus id, times, version. */
export const alertRuleSchema = z.strictObject({
  id: z.string(),
  ...alertRuleSpecSchema.shape,
  created_at: iso,
  updated_at: iso,
  version: z.number().int().describe('incremented by every change; send it as If-Match to PATCH safely'),
});

export const alertRulesSchema = z.strictObject({
  data: z.array(alertRuleSchema),
  next_cursor: z.string().nullable(),
});

export const alertEventsSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      id: z.string(),
      rule_id: z.string(),
      rule_name: z.string(),
      state: z.enum(['firing', 'resolved']),
      at: iso,
      value: z.number().nullable().describe('the metric when the transition happened; null: no data'),
      threshold: z.number(),
      condition: alertConditionSchema,
      severity: z.string(),
      deliveries: z.array(
        z.strictObject({
          channel_index: z.number().int(),
          channel: z.string(),
          status: z.enum(['delivered', 'failed']),
          attempts: z.number().int(),
          http_status: z.number().int().nullable(),
          reason: z.string().nullable(),
          at: iso,
        }),
      ),
    }),
  ),
  next_cursor: z.string().nullable(),
});
