import type { ClickHouseClient } from '@clickhouse/client';
import { compileAst, type Node } from '@mesh-trace/query-lang';
import { formatIsoNs } from '@mesh-trace/schema';

export type TraceStatus = 'ok' | 'error' | 'unset';
export type TraceLifecycle = 'running' | 'completed' | 'errored';

/** One row of GET /v1/traces and POST /v1/traces/search. */
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
  status: TraceStatus;
  agent_id: string | null;
  lifecycle: TraceLifecycle;
}

export interface TracePageQuery {
  org_id: string;
  env: string;
  /**
   * Time range in epoch nanoseconds, inclusive. Without `search` it bounds the trace's start (its
   * earliest span); with `search` it bounds the start of the span that matches.
   */
  from: bigint;
  to: bigint;
  /** Keyset position: only traces ordered after this one (start descending, then trace id descending). */
  after?: { start_ns: bigint; trace_id: string };
  /** ClickHouse time (epoch ms) of a cursor's first page: traces first stored later are left out. */
  storedAtOrBeforeMs?: bigint;
  /** The trace has at least one span of this service. */
  service?: string;
  minDurationNs?: bigint;
  status?: TraceStatus;
  /** A parsed search expression (parseSearch / compileSearch(...).ast): a span of the trace matches it. */
  search?: Node;
  limit: number;
  signal?: AbortSignal;
}

export interface TraceSummaryPage {
  items: TraceSummary[];
  /** Whether more traces follow the last item. */
  hasMore: boolean;
  /** ClickHouse's clock when the page was read (epoch ms); null when the page is empty. */
  readAtMs: bigint | null;
  /** Epoch ns of the last item's start, for the next keyset position. */
  lastStartNs: bigint | null;
}

interface SummaryRow {
  trace_id: string;
  start_ns: string;
  end_ns: string;
  span_count: string;
  error_count: string;
  services: string[];
  root_name: string;
  root_service: string;
  has_ok: number;
  record_name: string;
  agent_id: string;
  completion: string;
  read_at_ms: string;
}

const T = (p: string) => `fromUnixTimestamp64Nano({${p}:Int64}, 'UTC')`;
const TENANT = 'org_id = {org:String} AND env = {env:String}';

function usesAgentId(n: Node): boolean {
  switch (n.type) {
    case 'and':
    case 'or':
      return n.children.some(usesAgentId);
    case 'not':
      return usesAgentId(n.child);
    case 'comparison':
      return n.field.type === 'column' && n.field.name === 'agent_id';
  }
}

/**
 * The trace ids a page may contain, as a subquery. Every piece of SQL text here is fixed or comes from
 * compileAst, which emits only column names, operators and `{name:Type}` placeholders.
 */
function candidates(q: TracePageQuery, params: Record<string, unknown>, windowed: boolean): string {
  // Every span (and summary row) of a trace that starts at or after `lo` starts at or after `lo`.
  const lower = windowed ? T('lo') : T('from');
  if (!q.search) {
    // A trace whose start is in range has a summary row whose start_min is that start; its other rows
    // (later inserts) are aggregated by the caller over every row of the candidate ids.
    const upper = q.after ? `least(${T('to')}, ${T('ls')})` : T('to');
    return `SELECT trace_id FROM trace_summaries_v2
             WHERE ${TENANT} AND start_min >= ${lower} AND start_min <= ${upper}`;
  }
  const compiled = compileAst(q.search, { paramPrefix: 'q' });
  Object.assign(params, compiled.params);
  const spanRange = `${TENANT} AND start_time >= ${lower} AND start_time <= ${T('to')}`;
  if (!usesAgentId(q.search)) {
    return `SELECT trace_id FROM spans_v1 WHERE ${spanRange} AND (${compiled.where})`;
  }
  // Spans carry no agent id: `agent_id` is the trace's (traces_v1), '' when the trace has none.
  return `SELECT trace_id FROM (
            SELECT s.trace_id AS trace_id, s.service AS service, s.name AS name, s.kind AS kind,
                   s.status AS status, s.duration_ns AS duration_ns, s.attributes AS attributes,
                   s.resource AS resource, t.agent_id AS agent_id
              FROM spans_v1 AS s
              LEFT ANY JOIN (
                SELECT trace_id, argMax(agent_id, ingested_at) AS agent_id FROM traces_v1
                 WHERE ${TENANT} AND trace_id IN (SELECT trace_id FROM spans_v1 WHERE ${spanRange})
                 GROUP BY trace_id
              ) AS t ON s.trace_id = t.trace_id
             WHERE s.org_id = {org:String} AND s.env = {env:String}
               AND s.start_time >= ${lower} AND s.start_time <= ${T('to')}
          ) WHERE (${compiled.where})`;
}

/** The narrowest window a page is first looked for in. */
const MIN_WINDOW_NS = 60_000_000_000n;
/**
 * The same for a search, which scans spans: spans_v1 is sorted by service, then start, so any time
 * window reads at least one granule (8,192 spans) per service, and at 10 M spans a minute cost half
 * of what the whole hour did (docs/benchmarks.md). Narrower windows only add round trips.
 */
const MIN_SEARCH_WINDOW_NS = 3_600_000_000_000n;

/**
 * One page of trace summaries, newest first by start, ties broken by trace id (both descending), read
 * from trace_summaries_v2 aggregated per trace (migration 009).
 *
 * Aggregating every trace of a busy range to keep the first 50 is most of the cost, so the page is
 * first looked for among traces starting in the last 1/64 of what remains of the range, then 8 times
 * wider, up to the whole range. Exact: when a window holds more than `limit` matching traces, every
 * trace outside it starts earlier and ranks after them all.
 */
export async function listTraceSummaries(ch: ClickHouseClient, q: TracePageQuery): Promise<TraceSummaryPage> {
  const upper = q.after && q.after.start_ns < q.to ? q.after.start_ns : q.to;
  const range = upper - q.from;
  const narrowest = q.search ? MIN_SEARCH_WINDOW_NS : MIN_WINDOW_NS;
  let width = range / 64n > narrowest ? range / 64n : narrowest;
  let rows: SummaryRow[];
  for (;;) {
    const lo = upper - width > q.from ? upper - width : undefined;
    rows = await readWindow(ch, q, lo);
    if (rows.length > q.limit || lo === undefined) break;
    width *= 8n;
  }
  const hasMore = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const items = page.map(toSummary);
  const last = page.at(-1);
  return {
    items,
    hasMore,
    readAtMs: page[0] ? BigInt(page[0].read_at_ms) : null,
    lastStartNs: last ? BigInt(last.start_ns) : null,
  };
}

/** Up to limit + 1 summaries; with `lo`, only of traces that start at or after it. */
async function readWindow(
  ch: ClickHouseClient,
  q: TracePageQuery,
  lo: bigint | undefined,
): Promise<SummaryRow[]> {
  const params: Record<string, unknown> = {
    org: q.org_id,
    env: q.env,
    from: q.from.toString(),
    to: q.to.toString(),
    lim: q.limit + 1,
  };
  // The page is picked first from only the aggregates its filters need (start and trace id at
  // least), then the ≤ limit + 1 traces picked are read in full: merging every candidate's
  // services, root and distinct span ids was most of the cost of a page.
  const picked = ['trace_id', 'min(start_min) AS start'];
  const having = ['start IS NOT NULL'];
  if (!q.search) having.push(`start >= ${T('from')}`, `start <= ${T('to')}`);
  if (lo !== undefined) {
    params.lo = lo.toString();
    having.push(`start >= ${T('lo')}`);
  }
  if (q.after) {
    params.ls = q.after.start_ns.toString();
    params.lt = q.after.trace_id;
    having.push(`(start, trace_id) < (${T('ls')}, {lt:String})`);
  }
  if (q.service !== undefined) {
    params.svc = q.service;
    picked.push('groupUniqArrayArray(services) AS svcs');
    having.push('has(svcs, {svc:String})');
  }
  if (q.minDurationNs !== undefined) {
    params.mindur = q.minDurationNs.toString();
    picked.push('max(end_max) AS end');
    having.push('toUnixTimestamp64Nano(end) - toUnixTimestamp64Nano(start) >= {mindur:Int64}');
  }
  if (q.status !== undefined) picked.push('uniqExactMerge(error_span_ids) AS errors');
  if (q.status === 'ok' || q.status === 'unset') picked.push('max(has_ok) AS ok');
  if (q.status === 'error') having.push('errors > 0');
  if (q.status === 'ok') having.push('errors = 0', 'ok = 1');
  if (q.status === 'unset') having.push('errors = 0', 'ok = 0');
  if (q.storedAtOrBeforeMs !== undefined) {
    params.snap = q.storedAtOrBeforeMs.toString();
    picked.push('min(first_stored) AS stored');
    having.push(`stored <= fromUnixTimestamp64Milli({snap:Int64}, 'UTC')`);
  }
  const pick = `
    SELECT trace_id FROM (
      SELECT ${picked.join(', ')}
        FROM trace_summaries_v2
       WHERE ${TENANT} AND trace_id IN (${candidates(q, params, lo !== undefined)})
       GROUP BY trace_id
      HAVING ${having.join(' AND ')}
       ORDER BY start DESC, trace_id DESC
       LIMIT {lim:UInt32})`;
  const query = `
    SELECT trace_id,
           toString(toUnixTimestamp64Nano(start)) AS start_ns,
           toString(toUnixTimestamp64Nano(end)) AS end_ns,
           toString(span_count) AS span_count, toString(error_count) AS error_count,
           arraySort(svcs) AS services,
           tupleElement(root, 1) AS root_name, tupleElement(root, 2) AS root_service,
           has_ok,
           tupleElement(record, 1) AS record_name, tupleElement(record, 2) AS agent_id,
           completion,
           toString(toUnixTimestamp64Milli(now64(3))) AS read_at_ms
      FROM (
        SELECT trace_id, assumeNotNull(min(start_min)) AS start, assumeNotNull(max(end_max)) AS end,
               uniqExactMerge(span_ids) AS span_count, uniqExactMerge(error_span_ids) AS error_count,
               groupUniqArrayArray(services) AS svcs, argMinMerge(root) AS root,
               max(has_ok) AS has_ok, argMaxMerge(record) AS record, argMaxMerge(completion) AS completion
          FROM trace_summaries_v2
         WHERE ${TENANT} AND trace_id IN (${pick})
         GROUP BY trace_id
      )
     ORDER BY start DESC, trace_id DESC`;
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: q.signal });
  return rs.json<SummaryRow>();
}

function toSummary(r: SummaryRow): TraceSummary {
  const start = BigInt(r.start_ns);
  const end = BigInt(r.end_ns);
  const errors = Number(r.error_count);
  return {
    trace_id: r.trace_id,
    name: r.record_name || r.root_name,
    root_service: r.root_service,
    services: r.services,
    start_time: formatIsoNs(start),
    end_time: formatIsoNs(end),
    duration_ms: Number(end - start) / 1e6,
    span_count: Number(r.span_count),
    error_count: errors,
    status: errors > 0 ? 'error' : r.has_ok ? 'ok' : 'unset',
    agent_id: r.agent_id || null,
    lifecycle: r.completion === 'completed' || r.completion === 'errored' ? r.completion : 'running',
  };
}
