import type { TraceMessage } from '@mesh-trace/schema';

export interface SpanRow {
  org_id: string;
  env: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: string;
  start_time: string;
  end_time: string;
  duration_ns: string;
  status: string;
  status_message: string;
  /**
   * Values as the message carries them (strings, numbers, booleans, arrays): ClickHouse stores each as
   * its JSON text in the Map(String, String) (the insert settings of insertRows), which is what
   * stringifyAttributes would have produced, without a copy per span.
   */
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: string;
}

export interface TraceRow {
  org_id: string;
  env: string;
  trace_id: string;
  name: string;
  service: string;
  agent_id: string;
  start_time: string;
  attributes: Record<string, string>;
  input: string;
  ingested_at: string;
}

export interface EventRow {
  org_id: string;
  env: string;
  trace_id: string;
  span_id: string;
  type: string;
  timestamp: string;
  data: string;
}

export interface CompletionRow {
  org_id: string;
  env: string;
  trace_id: string;
  status: string;
  end_time: string | null;
  output: string;
  error: string;
  attributes: Record<string, string>;
  received_at: string;
}

export interface EdgeCallRow {
  org_id: string;
  env: string;
  time: string;
  source: string;
  target: string;
  cluster: string;
  duration_ns: string;
  is_error: number;
}

export interface TableRows {
  spans_v1: SpanRow[];
  traces_v1: TraceRow[];
  agent_events_v1: EventRow[];
  trace_completions_v1: CompletionRow[];
  service_edge_calls_v1: EdgeCallRow[];
}

/**
 * Map(String, String) holds every attribute value as text; arrays as JSON. Attributes that are all
 * strings already (the common case) are returned as they are, not copied.
 */
export function stringifyAttributes(attrs: Record<string, unknown>): Record<string, string> {
  // Object.keys, not for…in: the latter cost 8× as much per span here.
  for (const k of Object.keys(attrs)) {
    if (typeof attrs[k] === 'string') continue;
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(attrs)) out[key] = attributeText(v);
    return out;
  }
  return attrs as Record<string, string>;
}

/** One attribute value as the Map(String, String) holds it: a string as it is, anything else as JSON. */
export const attributeText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Epoch nanoseconds (decimal string) as `seconds.fraction`, which DateTime64(9) parses exactly with
 * `date_time_input_format=best_effort` (set by createClickHouse). String slicing only: formatting
 * through BigInt and Date was the writer's single largest decoding cost.
 */
export const ch = (ns: string): string => {
  const padded = ns.padStart(10, '0');
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
};
const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/** `end - start` of two epoch-nanosecond strings, in doubles when exact (durations under ~104 days). */
export function durationNs(start: string, end: string): string {
  if (start.length > 9 && end.length > 9) {
    const d =
      (Number(end.slice(0, -9)) - Number(start.slice(0, -9))) * 1e9 +
      (Number(end.slice(-9)) - Number(start.slice(-9)));
    if (Number.isSafeInteger(d)) return String(d);
  }
  return (BigInt(end) - BigInt(start)).toString();
}

export function messageToRows(m: TraceMessage, into: TableRows): void {
  const tenant = { org_id: m.org_id, env: m.env, trace_id: m.trace_id };
  // Span rows are written field by field (no spread, no copies of attribute objects): this loop runs
  // for every span the writer stores, and the spread-and-copy form cost three times as much.
  for (const s of m.spans) {
    into.spans_v1.push({
      org_id: m.org_id,
      env: m.env,
      trace_id: m.trace_id,
      span_id: s.span_id,
      parent_span_id: s.parent_span_id ?? '',
      service: s.service,
      name: s.name,
      kind: s.kind,
      start_time: ch(s.start_time),
      end_time: ch(s.end_time),
      duration_ns: durationNs(s.start_time, s.end_time),
      status: s.status,
      status_message: s.status_message ?? '',
      attributes: s.attributes,
      resource: s.resource,
      events:
        s.events.length === 0
          ? '[]'
          : JSON.stringify(
              s.events.map((e) => ({
                name: e.name,
                time_ns: e.time,
                attributes: stringifyAttributes(e.attributes),
              })),
            ),
    });
  }
  for (const t of m.traces) {
    into.traces_v1.push({
      ...tenant,
      name: t.name,
      service: t.service ?? '',
      agent_id: m.agent_id ?? t.agent_id ?? '',
      start_time: ch(t.start_time),
      attributes: stringifyAttributes(t.attributes),
      input: json(t.input),
      ingested_at: ch(m.received_at),
    });
  }
  if (m.completion) {
    const c = m.completion;
    into.trace_completions_v1.push({
      ...tenant,
      status: c.status,
      end_time: c.end_time ? ch(c.end_time) : null,
      output: json(c.output),
      error: json(c.error),
      attributes: stringifyAttributes(c.attributes),
      received_at: ch(m.received_at),
    });
  }
  for (const e of m.events) {
    into.agent_events_v1.push({
      ...tenant,
      span_id: e.span_id ?? '',
      type: e.type,
      timestamp: ch(e.timestamp),
      data: json(e.data),
    });
  }
}

export function emptyRows(): TableRows {
  return {
    spans_v1: [],
    traces_v1: [],
    agent_events_v1: [],
    trace_completions_v1: [],
    service_edge_calls_v1: [],
  };
}
