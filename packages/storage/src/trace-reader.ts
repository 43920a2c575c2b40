import type { ClickHouseClient } from '@clickhouse/client';
import { formatClickHouseNs, formatIsoNs, parseClickHouseNs } from '@mesh-trace/schema';
import { queryRows } from './query-rows.js';
import type { TraceSummary } from './trace-summary-reader.js';

export interface SpanView {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service: string;
  kind: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  status: string;
  status_message: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  events: { name: string; time: string; attributes: Record<string, string> }[];
}

/** The list's summary of the trace, plus everything stored for it. */
export interface TraceDetail extends TraceSummary {
  completion: {
    status: 'completed' | 'errored';
    end_time: string | null;
    output: unknown;
    error: unknown;
    attributes: Record<string, string>;
  } | null;
  attributes: Record<string, string>;
  input: unknown;
  spans: SpanView[];
  events: { span_id: string | null; type: string; timestamp: string; data: unknown }[];
  /** Set when `spans` is one window of a larger trace: where the next window starts. */
  spans_after: SpanPosition | null;
}

/** A span's place in the trace's order (start time, then span id). */
export interface SpanPosition {
  start_ns: bigint;
  span_id: string;
}

/** One window of a trace's spans: at most `limit`, those ordered after `after` when given. */
export interface SpanWindow {
  limit: number;
  after?: SpanPosition;
}

interface Scope {
  org_id: string;
  env: string;
  trace_id: string;
  signal?: AbortSignal;
}

const rows = queryRows;

/** The trace of the request's org and env; every read below is scoped by it. */
const OF_TRACE = 'org_id = {org:String} AND env = {env:String} AND trace_id = {tid:String}';
/** The trace's time range from the index, so span reads skip the days it does not touch. */
const WITH_TRACE_RANGE = `WITH (SELECT (min(start_min), max(end_max)) FROM trace_index_v1 WHERE ${OF_TRACE}) AS trace_range`;
const IN_TRACE_RANGE = 'start_time >= trace_range.1 AND start_time <= trace_range.2';

const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;
const parseJson = (s: string): unknown => (s === '' ? null : JSON.parse(s));

/**
 * Everything of a trace besides its spans, in one query (positional tuples): the index's row count
 * and time range, the trace record, the agent events in time order, the completion. Every tuple has
 * an expression among its elements (`toString(name)`), so a server with
 * `enable_named_columns_in_function_tuple` still returns arrays, not objects.
 */
const TRACE_SIDE_SQL = `SELECT
  (SELECT (count(), toString(min(start_min)), toString(max(end_max))) FROM trace_index_v1 WHERE ${OF_TRACE}) AS idx,
  (SELECT groupArray((toString(name), service, agent_id, attributes, input)) FROM traces_v1 FINAL WHERE ${OF_TRACE}) AS records,
  (SELECT arraySort(groupArray((toString(timestamp), span_id, type, data))) FROM agent_events_v1 WHERE ${OF_TRACE}) AS events,
  (SELECT groupArray((status, if(isNull(end_time), NULL, toString(end_time)), output, error, attributes))
     FROM trace_completions_v1 FINAL WHERE ${OF_TRACE}) AS completions`;

interface TraceSideRow {
  /** count (a 64-bit integer, quoted), first start, last end */
  idx: [string, string, string];
  /** name, service, agent_id, attributes, input */
  records: [string, string, string, Record<string, string>, string][];
  /** timestamp, span_id, type, data */
  events: [string, string, string, string][];
  /** status, end_time, output, error, attributes */
  completions: ['completed' | 'errored', string | null, string, string, Record<string, string>][];
}

/** A span as the trace read returns it (times as text); not the stored row of rows.ts. */
interface SpanReadRow {
  span_id: string;
  parent_span_id: string;
  name: string;
  service: string;
  kind: string;
  start_s: string;
  end_s: string;
  status: string;
  status_message: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  events: string;
}

/**
 * The read of a trace's spans (all, or one window): ordered by start and span id, a span delivered
 * twice once. Parameters: org, env, tid, and lim / after_s / after_id for a window.
 */
export function traceSpansSql(window?: SpanWindow): string {
  return `${WITH_TRACE_RANGE}
       SELECT span_id, parent_span_id, name, service, kind, toString(start_time) AS start_s,
              toString(end_time) AS end_s, status, status_message, attributes, resource, events
         FROM spans_v1
        WHERE ${OF_TRACE} AND ${IN_TRACE_RANGE}
          ${window?.after ? "AND (start_time, span_id) > ({after_s:DateTime64(9, 'UTC')}, {after_id:String})" : ''}
        ORDER BY start_time, span_id
        LIMIT 1 BY span_id
        ${window ? 'LIMIT {lim:UInt32}' : ''}`;
}

/**
 * One trace by id, or null when this org/env has none. No scan: spans are read within the trace's
 * time range from the trace index, through the projection sorted by trace id (migration 010).
 * With a window, `spans` holds at most `window.limit` spans and the summary fields still describe
 * the whole trace (counted in ClickHouse, not from the window).
 */
export async function getTrace(
  ch: ClickHouseClient,
  scope: Scope,
  window?: SpanWindow,
): Promise<TraceDetail | null> {
  const params = { org: scope.org_id, env: scope.env, tid: scope.trace_id };
  const ranged = {
    ...params,
    lim: window ? window.limit + 1 : 0,
    after_s: window?.after ? formatClickHouseNs(window.after.start_ns) : '',
    after_id: window?.after?.span_id ?? '',
  };
  // Two reads at once: the spans, and everything else in one query. The span read takes the trace's
  // time range from the index itself (a scalar subquery ClickHouse folds into constants before it
  // picks partitions), so it does not wait for the other read's answer. Each read sees the index at
  // its own moment: spans stored between the two can be in one answer and not the other, as with
  // any read of a trace still being written.
  const [[side], spanRows] = await Promise.all([
    rows<TraceSideRow>(ch, TRACE_SIDE_SQL, params, scope.signal),
    rows<SpanReadRow>(ch, traceSpansSql(window), ranged, scope.signal),
  ]);
  if (!side || side.idx[0] === '0') return null;
  const [, rangeStart, rangeEnd] = side.idx;
  const c = side.completions[0];
  const done = c && { status: c[0], end_s: c[1], output: c[2], error: c[3], attributes: c[4] };
  // One row past the window tells whether another window follows.
  const more = window !== undefined && spanRows.length > window.limit;
  if (more) spanRows.length = window.limit;

  const spans: SpanView[] = spanRows.map((r) => {
    const s = parseClickHouseNs(r.start_s);
    const e = parseClickHouseNs(r.end_s);
    return {
      trace_id: scope.trace_id,
      span_id: r.span_id,
      parent_span_id: r.parent_span_id || null,
      name: r.name,
      service: r.service,
      kind: r.kind,
      start_time: formatIsoNs(s),
      end_time: formatIsoNs(e),
      duration_ms: msBetween(s, e),
      status: r.status,
      status_message: r.status_message,
      attributes: r.attributes,
      resource: r.resource,
      events: (
        JSON.parse(r.events) as { name: string; time_ns: string; attributes: Record<string, string> }[]
      ).map((ev) => ({ name: ev.name, time: formatIsoNs(BigInt(ev.time_ns)), attributes: ev.attributes })),
    };
  });
  const r = side.records[0];
  const trace = r && { name: r[0], service: r[1], agent_id: r[2], attributes: r[3], input: r[4] };
  const partial = more || window?.after !== undefined;
  const stats = partial ? await wholeTraceStats(ch, params, scope.signal) : localStats(spans);
  const root = stats.root;
  const start = parseClickHouseNs(rangeStart);
  const end = parseClickHouseNs(rangeEnd);
  const errorCount = stats.errors;
  const last = spanRows[spanRows.length - 1];
  return {
    trace_id: scope.trace_id,
    name: trace?.name || root?.name || '',
    root_service: root?.service || trace?.service || '',
    services: stats.services,
    start_time: formatIsoNs(start),
    end_time: formatIsoNs(end),
    duration_ms: msBetween(start, end),
    span_count: stats.spans,
    error_count: errorCount,
    status: errorCount > 0 ? 'error' : stats.anyOk ? 'ok' : 'unset',
    agent_id: trace?.agent_id || null,
    lifecycle: done?.status ?? 'running',
    completion: done
      ? {
          status: done.status,
          end_time: done.end_s ? formatIsoNs(parseClickHouseNs(done.end_s)) : null,
          output: parseJson(done.output),
          error: parseJson(done.error),
          attributes: done.attributes,
        }
      : null,
    attributes: trace?.attributes ?? {},
    input: trace ? parseJson(trace.input) : null,
    spans,
    events: side.events.map(([ts, span_id, type, data]) => ({
      span_id: span_id || null,
      type,
      timestamp: formatIsoNs(parseClickHouseNs(ts)),
      data: parseJson(data),
    })),
    spans_after: more && last ? { start_ns: parseClickHouseNs(last.start_s), span_id: last.span_id } : null,
  };
}

interface TraceStats {
  root: { name: string; service: string } | undefined;
  services: string[];
  spans: number;
  errors: number;
  anyOk: boolean;
}

/** Summary figures from every span of the trace, when all of them were read. */
function localStats(spans: SpanView[]): TraceStats {
  const ids = new Set(spans.map((s) => s.span_id));
  return {
    root: spans.find((s) => s.parent_span_id === null || !ids.has(s.parent_span_id)),
    services: [...new Set(spans.map((s) => s.service))].sort(),
    spans: spans.length,
    errors: spans.filter((s) => s.status === 'error').length,
    anyOk: spans.some((s) => s.status === 'ok'),
  };
}

/**
 * Summary figures counted in ClickHouse, for a trace read one window at a time. The root is the
 * earliest span without a parent (or the earliest span, when every span names a parent).
 */
async function wholeTraceStats(
  ch: ClickHouseClient,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<TraceStats> {
  const [r] = await rows<{
    spans: string;
    errors: string;
    oks: string;
    services: string[];
    roots: string;
    root_name: string;
    root_service: string;
    first_name: string;
    first_service: string;
  }>(
    ch,
    `SELECT count() AS spans, countIf(status = 'error') AS errors, countIf(status = 'ok') AS oks,
            arraySort(groupUniqArray(service)) AS services, countIf(parent_span_id = '') AS roots,
            argMinIf(name, (first_start, span_id), parent_span_id = '') AS root_name,
            argMinIf(service, (first_start, span_id), parent_span_id = '') AS root_service,
            argMin(name, (first_start, span_id)) AS first_name,
            argMin(service, (first_start, span_id)) AS first_service
       FROM (${WITH_TRACE_RANGE}
             SELECT span_id, any(parent_span_id) AS parent_span_id, any(name) AS name,
                    any(service) AS service, any(status) AS status, min(start_time) AS first_start
               FROM spans_v1
              WHERE ${OF_TRACE} AND ${IN_TRACE_RANGE}
              GROUP BY span_id)`,
    params,
    signal,
  );
  if (!r) return { root: undefined, services: [], spans: 0, errors: 0, anyOk: false };
  const root =
    r.roots !== '0'
      ? { name: r.root_name, service: r.root_service }
      : Number(r.spans) > 0
        ? { name: r.first_name, service: r.first_service }
        : undefined;
  return {
    root,
    services: r.services,
    spans: Number(r.spans),
    errors: Number(r.errors),
    anyOk: r.oks !== '0',
  };
}

/** Whether this org/env stored anything of the trace, and the agent that owns it (if any). */
export async function traceOwner(
  ch: ClickHouseClient,
  scope: Scope,
): Promise<{ exists: boolean; agent_id: string | null }> {
  const params = { org: scope.org_id, env: scope.env, tid: scope.trace_id };
  const [idx] = await rows<{ n: string }>(
    ch,
    `SELECT count() AS n FROM trace_index_v1 WHERE ${OF_TRACE}`,
    params,
    scope.signal,
  );
  if (!idx || idx.n === '0') return { exists: false, agent_id: null };
  const [t] = await rows<{ agent_id: string }>(
    ch,
    `SELECT agent_id FROM traces_v1 FINAL WHERE ${OF_TRACE}`,
    params,
    scope.signal,
  );
  return { exists: true, agent_id: t?.agent_id || null };
}
