/** Wire types of the Mesh-Trace HTTP API (docs/api.md). Timestamps are ISO 8601 strings. */

export type AttributeValue = string | number | boolean | (string | number | boolean)[];
export type Attributes = Record<string, AttributeValue>;
export type Timestamp = string | number | Date;
export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatus = 'ok' | 'error' | 'unset';
export type Lifecycle = 'running' | 'completed' | 'errored';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface TraceSummary {
  trace_id: string;
  name: string;
  root_service: string;
  services: string[];
  start_time: string;
  end_time: string;
  duration_ms: number;
  span_count: number;
  error_count: number;
  status: SpanStatus;
  agent_id: string | null;
  lifecycle: Lifecycle;
}

export interface SpanEventRecord {
  name: string;
  time: string;
  attributes: Record<string, unknown>;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service: string;
  kind: SpanKind;
  start_time: string;
  end_time: string;
  duration_ms: number;
  status: SpanStatus;
  status_message?: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: SpanEventRecord[];
}

export interface AgentEvent {
  trace_id: string;
  span_id: string | null;
  type: string;
  timestamp: string;
  data: unknown;
}

/** GET /v1/traces/:id. Large traces come in windows of spans: `next_cursor` fetches the next one. */
export interface Trace extends TraceSummary {
  spans: Span[];
  events: AgentEvent[];
  completion?: unknown;
  next_cursor?: string | null;
  [field: string]: unknown;
}

export interface ListTracesParams {
  service?: string;
  start_time?: Timestamp;
  end_time?: Timestamp;
  min_duration_ms?: number;
  status?: SpanStatus;
  limit?: number;
  cursor?: string;
}

export interface SearchTracesParams {
  query: string;
  start_time?: Timestamp;
  end_time?: Timestamp;
  limit?: number;
  cursor?: string;
}

export interface ServiceStats {
  service: string;
  span_count: number;
  error_count: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  last_seen: string;
  clusters: string[];
}

export interface Topology {
  nodes: { service: string; span_count: number; error_rate: number }[];
  edges: {
    source: string;
    target: string;
    calls: number;
    errors: number;
    error_rate: number;
    p50_ms: number;
    p95_ms: number;
    p99_ms: number;
  }[];
}

export interface CollectorNode {
  node_id: string;
  role: string;
  draining: boolean;
  [field: string]: unknown;
}

export type Scope = 'ingest' | 'read' | 'alerts:write' | 'admin';

export interface ApiKey {
  id: string;
  prefix: string;
  scopes: Scope[];
  agent_id: string | null;
  env: 'live' | 'sandbox';
  created_at: string;
  [field: string]: unknown;
}

/** Returned once, at creation and rotation: `key` is the secret. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface CreateApiKeyParams {
  name?: string;
  scopes: Scope[];
  env?: 'live' | 'sandbox';
  agent_id?: string;
  rate_limit_per_minute?: number;
}

export type AlertChannel =
  | { type: 'webhook'; url: string; secret?: string }
  | { type: 'slack'; webhook_url: string }
  | { type: 'email'; to: string[] }
  | { type: 'pagerduty'; routing_key: string };

export interface AlertCondition {
  metric: 'error_rate' | 'latency_p50' | 'latency_p95' | 'latency_p99' | 'throughput';
  service?: string;
  operator?: 'gt' | 'gte' | 'lt' | 'lte';
  threshold: number;
  window: string;
  for?: string;
}

export interface AlertRuleInput {
  name: string;
  condition: AlertCondition;
  channels: AlertChannel[];
  severity?: 'critical' | 'warning' | 'info';
  enabled?: boolean;
}

export interface AlertRule extends AlertRuleInput {
  id: string;
  version?: number;
  created_at?: string;
  updated_at?: string;
  [field: string]: unknown;
}

export interface AlertEvent {
  id: string;
  rule_id: string;
  state: 'firing' | 'resolved';
  at: string;
  [field: string]: unknown;
}

export interface ListAlertEventsParams {
  rule_id?: string;
  state?: 'firing' | 'resolved';
  limit?: number;
  cursor?: string;
}

export type LiveEventType = 'trace.started' | 'span' | 'event' | 'trace.completed';

/** One event of GET /v1/agents/:id/live; `id` resumes the stream after it. */
export interface LiveEvent {
  id: string;
  type: LiveEventType;
  data: Record<string, unknown>;
}

export interface IngestAccepted {
  accepted: { traces: number; spans: number; events: number };
  request_id: string;
}

export interface TraceInput {
  trace_id: string;
  name: string;
  service?: string;
  agent_id?: string;
  start_time: string | number;
  attributes?: Attributes;
  input?: unknown;
}

export interface SpanInput {
  trace_id: string;
  span_id: string;
  parent_span_id?: string | null;
  name: string;
  service: string;
  kind?: SpanKind;
  start_time: string | number;
  end_time: string | number;
  status?: SpanStatus;
  status_message?: string;
  attributes?: Attributes;
  resource?: Attributes;
  events?: { name: string; time: string | number; attributes?: Attributes }[];
}

export interface EventInput {
  trace_id: string;
  span_id?: string | null;
  type: string;
  timestamp: string | number;
  data?: unknown;
}

export interface BatchInput {
  traces?: TraceInput[];
  spans?: SpanInput[];
  events?: EventInput[];
}

export interface CompleteInput {
  status: 'completed' | 'errored';
  end_time?: string | number;
  output?: unknown;
  error?: { message: string; type?: string; stack?: string };
  attributes?: Attributes;
}

export function toIso(t: Timestamp): string {
  if (t instanceof Date) return t.toISOString();
  if (typeof t === 'number') return new Date(t).toISOString();
  return t;
}
