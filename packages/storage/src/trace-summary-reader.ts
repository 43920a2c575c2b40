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
  read_at_ms: string;
}

const T = (p: string) => `fromUnixTimestamp64Nano({${p}:Int64}, 'UTC')`;

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
  const tenant = 'org_id = {org:String} AND env = {env:String}';
  // Every span (and summary row) of a trace that starts at or after `lo` starts at or after `lo`.
  const lower = windowed ? T('lo') : T('from');
  if (!q.search) {
    // A trace whose start is in range has a summary row whose start_min is that start; its other rows
    // (later inserts) are aggregated by the caller over every row of the candidate ids.
    const upper = q.after ? `least(${T('to')}, ${T('ls')})` : T('to');
    return `SELECT trace_id FROM trace_summaries_v1
             WHERE ${tenant} AND start_min >= ${lower} AND start_min <= ${upper}`;
  }
  const compiled = compileAst(q.search, { paramPrefix: 'q' });
  Object.assign(params, compiled.params);
  const spanRange = `${tenant} AND start_time >= ${lower} AND start_time <= ${T('to')}`;
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
                 WHERE ${tenant} AND trace_id IN (SELECT trace_id FROM spans_v1 WHERE ${spanRange})
                 GROUP BY trace_id
              ) AS t ON s.trace_id = t.trace_id
             WHERE s.org_id = {org:String} AND s.env = {env:String}
               AND s.start_time >= ${lower} AND s.start_time <= ${T('to')}
          ) WHERE (${compiled.where})`;
}

/** The narrowest window a page is first looked for in. */
const MIN_WINDOW_NS = 60_000_000_000n;

/**
 * One page of trace summaries, newest first by start, ties broken by trace id (both descending), read
 * from trace_summaries_v1 aggregated per trace and trace_span_stats_v1 (has_ok, first_stored).
 *
 * Aggregating every trace of a busy range to keep the first 50 is most of the cost, so the page is
 * first looked for among traces starting in the last 1/64 of what remains of the range, then 8 times
 * wider, up to the whole range. Exact: when a window holds more than `limit` matching traces, every
 * trace outside it starts earlier and ranks after them all.
 */
export async function listTraceSummaries(ch: ClickHouseClient, q: TracePageQuery): Promise<TraceSummaryPage> {
  const upper = q.after && q.after.start_ns < q.to ? q.after.start_ns : q.to;
  const range = upper - q.from;
  let width = range / 64n > MIN_WINDOW_NS ? range / 64n : MIN_WINDOW_NS;
  let rows: SummaryRow[];
  for (;;) {
    const lo = upper - width > q.from ? upper - width : undefined;
    rows = await readWindow(ch, q, lo);
    if (rows.length > q.limit || lo === undefined) break;
    width *= 8n;
  }
  const hasMore = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const items = await enrich(ch, q, page);
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
  const having: string[] = [];
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
    having.push('has(services, {svc:String})');
  }
  if (q.minDurationNs !== undefined) {
    params.mindur = q.minDurationNs.toString();
    having.push('toUnixTimestamp64Nano(end) - toUnixTimestamp64Nano(start) >= {mindur:Int64}');
  }
  if (q.status === 'error') having.push('error_count > 0');
  if (q.status === 'ok' || q.status === 'unset') having.push('error_count = 0');
  const where: string[] = [];
  if (q.status === 'ok') where.push('x.has_ok = 1');
  if (q.status === 'unset') where.push('x.has_ok = 0');
  if (q.storedAtOrBeforeMs !== undefined) {
    params.snap = q.storedAtOrBeforeMs.toString();
    // A trace without a stats row (none can be younger than migration 004) reads as stored at 1970.
    where.push(`x.first_stored <= fromUnixTimestamp64Milli({snap:Int64}, 'UTC')`);
  }
  const cand = candidates(q, params, lo !== undefined);
  const query = `
    SELECT s.trace_id AS trace_id,
           toString(toUnixTimestamp64Nano(s.start)) AS start_ns,
           toString(toUnixTimestamp64Nano(s.end)) AS end_ns,
           toString(s.span_count) AS span_count, toString(s.error_count) AS error_count,
           s.services AS services,
           tupleElement(s.root, 1) AS root_name, tupleElement(s.root, 2) AS root_service,
           x.has_ok AS has_ok,
           toString(toUnixTimestamp64Milli(now64(3))) AS read_at_ms
      FROM (
        SELECT trace_id, min(start_min) AS start, max(end_max) AS end, sum(span_count) AS span_count,
               sum(error_count) AS error_count, arraySort(groupUniqArrayArray(services)) AS services,
               argMinMerge(root) AS root
          FROM trace_summaries_v1
         WHERE org_id = {org:String} AND env = {env:String} AND trace_id IN (${cand})
         GROUP BY trace_id
        ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
      ) AS s
      LEFT JOIN (
        SELECT trace_id, max(has_ok) AS has_ok, min(first_stored) AS first_stored
          FROM trace_span_stats_v1
         WHERE org_id = {org:String} AND env = {env:String} AND trace_id IN (${cand})
         GROUP BY trace_id
      ) AS x ON x.trace_id = s.trace_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY s.start DESC, s.trace_id DESC
     LIMIT {lim:UInt32}`;
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: q.signal });
  return rs.json<SummaryRow>();
}

/** Trace records (name and agent) and completions (lifecycle) of one page's traces. */
async function enrich(ch: ClickHouseClient, q: TracePageQuery, page: SummaryRow[]): Promise<TraceSummary[]> {
  if (page.length === 0) return [];
  const params = { org: q.org_id, env: q.env, ids: page.map((r) => r.trace_id) };
  const read = async <R>(query: string): Promise<R[]> =>
    (
      await ch.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: q.signal })
    ).json<R>();
  const [traces, completions] = await Promise.all([
    read<{ trace_id: string; name: string; agent_id: string }>(
      `SELECT trace_id, name, agent_id FROM traces_v1 FINAL
        WHERE org_id = {org:String} AND env = {env:String} AND trace_id IN {ids:Array(String)}`,
    ),
    read<{ trace_id: string; status: 'completed' | 'errored' }>(
      `SELECT trace_id, status FROM trace_completions_v1 FINAL
        WHERE org_id = {org:String} AND env = {env:String} AND trace_id IN {ids:Array(String)}`,
    ),
  ]);
  const traceById = new Map(traces.map((t) => [t.trace_id, t]));
  const doneById = new Map(completions.map((c) => [c.trace_id, c.status]));
  return page.map((r) => {
    const start = BigInt(r.start_ns);
    const end = BigInt(r.end_ns);
    const errors = Number(r.error_count);
    const trace = traceById.get(r.trace_id);
    return {
      trace_id: r.trace_id,
      name: trace?.name || r.root_name,
      root_service: r.root_service,
      services: r.services,
      start_time: formatIsoNs(start),
      end_time: formatIsoNs(end),
      duration_ms: Number(end - start) / 1e6,
      span_count: Number(r.span_count),
      error_count: errors,
      status: errors > 0 ? 'error' : r.has_ok ? 'ok' : 'unset',
      agent_id: trace?.agent_id || null,
      lifecycle: doneById.get(r.trace_id) ?? 'running',
    };
  });
}
