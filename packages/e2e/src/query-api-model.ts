import { randomSpanId, randomTraceId } from './fixtures.js';

/**
 * The traces query-api.int.test.ts ingests, and what the query API must answer for them, computed here
 * independently of the service (plain JS over the model, no SQL).
 */

export interface SpanSpec {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service: string;
  kind: 'server' | 'client' | 'internal';
  startMs: number;
  endMs: number;
  status: 'ok' | 'error' | 'unset';
  attributes: Record<string, string | number | boolean>;
  cluster: string | null;
}

export interface TraceSpec {
  trace_id: string;
  startMs: number;
  spans: SpanSpec[];
  record: { name: string; agent_id: string } | null;
  completion: 'completed' | 'errored' | null;
}

export const SERVICES = ['checkout', 'payments', 'inventory', 'search-api'] as const;

/** Nine fractional digits, as the API formats every timestamp. */
export const iso9 = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000000Z`;

/** Trace i: a root in SERVICES[i % 4], a child in the next service, and every third a ledger grandchild. */
export function makeTrace(i: number, startMs: number): TraceSpec {
  const trace_id = randomTraceId();
  const root = SERVICES[i % 4] ?? 'checkout';
  const child = SERVICES[(i + 1) % 4] ?? 'payments';
  const cluster = i % 2 ? 'eu-1' : 'us-1';
  // error if i % 5 == 0; else unset if i % 3 == 1; else ok (the root says so).
  const rootStatus = i % 5 !== 0 && i % 3 !== 1 ? 'ok' : 'unset';
  const spans: SpanSpec[] = [
    {
      trace_id,
      span_id: randomSpanId(),
      parent_span_id: null,
      name: `GET /${root}/${i}`,
      service: root,
      kind: 'server',
      startMs,
      endMs: startMs + 50 + 10 * i,
      status: rootStatus,
      attributes: {
        'http.status_code': [200, 404, 500, 503][i % 4] ?? 200,
        'customer.tier': i % 2 ? 'gold' : 'silver',
        retries: i % 3,
      },
      cluster,
    },
  ];
  const rootSpan = spans[0] as SpanSpec;
  spans.push({
    trace_id,
    span_id: randomSpanId(),
    parent_span_id: rootSpan.span_id,
    name: `${child}.call`,
    service: child,
    kind: 'client',
    startMs: startMs + 5,
    endMs: startMs + 25 + 3 * i,
    status: i % 5 === 0 ? 'error' : 'unset',
    attributes: { 'db.system': 'postgres' },
    cluster,
  });
  if (i % 3 === 0) {
    spans.push({
      trace_id,
      span_id: randomSpanId(),
      parent_span_id: (spans[1] as SpanSpec).span_id,
      name: 'ledger.write',
      service: 'ledger',
      kind: 'internal',
      startMs: startMs + 10,
      endMs: startMs + 20,
      status: 'unset',
      attributes: {},
      cluster: null,
    });
  }
  return {
    trace_id,
    startMs,
    spans,
    record: i % 2 === 0 ? { name: `flow-${i}`, agent_id: i % 4 === 0 ? 'agent_alpha' : 'agent_beta' } : null,
    completion: i % 4 === 0 ? 'completed' : i % 6 === 1 ? 'errored' : null,
  };
}

/** A trace ingested while a listing is being paged: one unset span of its own service. */
export function makeLateTrace(startMs: number): TraceSpec {
  const trace_id = randomTraceId();
  return {
    trace_id,
    startMs,
    spans: [
      {
        trace_id,
        span_id: randomSpanId(),
        parent_span_id: null,
        name: 'late',
        service: 'late-svc',
        kind: 'internal',
        startMs,
        endMs: startMs + 1,
        status: 'unset',
        attributes: {},
        cluster: null,
      },
    ],
    record: null,
    completion: null,
  };
}

export function batchOf(traces: TraceSpec[]) {
  return {
    traces: traces.flatMap((t) =>
      t.record
        ? [
            {
              trace_id: t.trace_id,
              name: t.record.name,
              agent_id: t.record.agent_id,
              start_time: iso9(t.startMs),
            },
          ]
        : [],
    ),
    spans: traces.flatMap((t) =>
      t.spans.map((s) => ({
        trace_id: s.trace_id,
        span_id: s.span_id,
        parent_span_id: s.parent_span_id,
        name: s.name,
        service: s.service,
        kind: s.kind,
        start_time: new Date(s.startMs).toISOString(),
        // Epoch nanoseconds for end times: the API takes both.
        end_time: String(BigInt(s.endMs) * 1_000_000n),
        status: s.status,
        attributes: s.attributes,
        resource: s.cluster ? { 'k8s.cluster.name': s.cluster } : {},
      })),
    ),
  };
}

export function statusOf(t: TraceSpec): 'ok' | 'error' | 'unset' {
  if (t.spans.some((s) => s.status === 'error')) return 'error';
  return t.spans.some((s) => s.status === 'ok') ? 'ok' : 'unset';
}

export const endOf = (t: TraceSpec) => Math.max(...t.spans.map((s) => s.endMs));

/** The TraceSummary the API must return for a trace. */
export function summaryOf(t: TraceSpec) {
  const root = t.spans.find((s) => s.parent_span_id === null) ?? t.spans[0];
  return {
    trace_id: t.trace_id,
    name: t.record?.name ?? root?.name,
    root_service: root?.service,
    services: [...new Set(t.spans.map((s) => s.service))].sort(),
    start_time: iso9(t.startMs),
    end_time: iso9(endOf(t)),
    duration_ms: endOf(t) - t.startMs,
    span_count: t.spans.length,
    error_count: t.spans.filter((s) => s.status === 'error').length,
    status: statusOf(t),
    agent_id: t.record?.agent_id ?? null,
    lifecycle: t.completion ?? 'running',
  };
}

/** Newest first; ties (none here: distinct starts) by trace id descending. */
export const newestFirst = (ts: TraceSpec[]) =>
  [...ts].sort((a, b) => b.startMs - a.startMs || (a.trace_id < b.trace_id ? 1 : -1));

export const idsOf = (ts: TraceSpec[]) => newestFirst(ts).map((t) => t.trace_id);

/** Per-service numbers GET /v1/services must report for these traces. */
export function servicesOf(ts: TraceSpec[]) {
  const by = new Map<string, SpanSpec[]>();
  for (const s of ts.flatMap((t) => t.spans)) by.set(s.service, [...(by.get(s.service) ?? []), s]);
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([service, spans]) => {
      const errors = spans.filter((s) => s.status === 'error').length;
      const durations = spans.map((s) => s.endMs - s.startMs);
      return {
        service,
        span_count: spans.length,
        error_count: errors,
        error_rate: errors / spans.length,
        last_seen: iso9(Math.max(...spans.map((s) => s.startMs))),
        clusters: [...new Set(spans.flatMap((s) => (s.cluster ? [s.cluster] : [])))].sort(),
        minMs: Math.min(...durations),
        maxMs: Math.max(...durations),
      };
    });
}
