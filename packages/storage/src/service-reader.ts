import type { ClickHouseClient } from '@clickhouse/client';
import { formatIsoNs } from '@mesh-trace/schema';
import { queryRows } from './query-rows.js';

/** One row of GET /v1/services. */
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

export interface TopologyNode {
  service: string;
  span_count: number;
  error_rate: number;
}

export interface TopologyEdge {
  source: string;
  target: string;
  calls: number;
  errors: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

interface RangeScope {
  org_id: string;
  env: string;
  /** Epoch ns, inclusive; rollups are per minute, so `from` is rounded down to its minute. */
  from: bigint;
  to: bigint;
  signal?: AbortSignal;
}

/** Bounds of one response: far beyond any real service graph, small enough to never hurt. */
const MAX_ROWS = 10_000;

const rate = (errors: number, total: number) => (total > 0 ? errors / total : 0);
// t-digest quantiles are approximations; microsecond precision is all they can honestly carry.
const ms = (v: number | undefined) => Math.round((v ?? 0) * 1000) / 1000;

const rows = queryRows;

const MINUTES = `minute >= toStartOfMinute(fromUnixTimestamp64Nano({from:Int64}, 'UTC'))
             AND minute <= fromUnixTimestamp64Nano({to:Int64}, 'UTC')`;

interface RollupRow {
  service: string;
  spans: string;
  errors: string;
  q: number[];
  last_seen_ns: string;
  clusters: string[];
}

/** Parameters shared by every range query of this module; `cluster` only when filtering by it. */
function rangeParams(scope: RangeScope, cluster: string | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = {
    org: scope.org_id,
    env: scope.env,
    from: scope.from.toString(),
    to: scope.to.toString(),
    lim: MAX_ROWS,
  };
  if (cluster !== undefined) params.cluster = cluster;
  return params;
}

async function rollups(
  ch: ClickHouseClient,
  scope: RangeScope,
  cluster: string | undefined,
): Promise<RollupRow[]> {
  const params = rangeParams(scope, cluster);
  return rows<RollupRow>(
    ch,
    `SELECT service, toString(sum(spans)) AS spans, toString(sum(errors)) AS errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_ms) AS q,
            toString(toUnixTimestamp64Nano(max(last_seen))) AS last_seen_ns,
            arraySort(groupUniqArrayIf(toString(cluster), cluster != '')) AS clusters
       FROM service_rollups_v1
      WHERE org_id = {org:String} AND env = {env:String} AND ${MINUTES}
            ${cluster === undefined ? '' : 'AND cluster = {cluster:String}'}
      GROUP BY service
      ORDER BY service
      LIMIT {lim:UInt32}`,
    params,
    scope.signal,
  );
}

/** Services that sent spans in the range, from the per-minute rollups (service_rollups_v1). */
export async function listServices(ch: ClickHouseClient, scope: RangeScope): Promise<ServiceStats[]> {
  return (await rollups(ch, scope, undefined)).map((r) => {
    const spans = Number(r.spans);
    const errors = Number(r.errors);
    return {
      service: r.service,
      span_count: spans,
      error_count: errors,
      error_rate: rate(errors, spans),
      p50_ms: ms(r.q[0]),
      p95_ms: ms(r.q[1]),
      p99_ms: ms(r.q[2]),
      last_seen: formatIsoNs(BigInt(r.last_seen_ns)),
      clusters: r.clusters,
    };
  });
}

/**
 * The service graph of a range: nodes from the rollups, edges (parent span in one service, child in
 * another) from service_edges_v1. A service seen only as an edge end is a node with zero spans.
 */
export async function getTopology(
  ch: ClickHouseClient,
  scope: RangeScope & { cluster?: string },
): Promise<Topology> {
  const params = rangeParams(scope, scope.cluster);
  const [nodeRows, edgeRows] = await Promise.all([
    rollups(ch, scope, scope.cluster),
    rows<{ source: string; target: string; calls: string; errors: string; q: number[] }>(
      ch,
      `SELECT source, target, toString(sum(calls)) AS calls, toString(sum(errors)) AS errors,
              quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_ms) AS q
         FROM service_edges_v1
        WHERE org_id = {org:String} AND env = {env:String} AND ${MINUTES}
              ${scope.cluster === undefined ? '' : 'AND cluster = {cluster:String}'}
        GROUP BY source, target
        ORDER BY source, target
        LIMIT {lim:UInt32}`,
      params,
      scope.signal,
    ),
  ]);
  const nodes = new Map<string, TopologyNode>(
    nodeRows.map((r) => [
      r.service,
      {
        service: r.service,
        span_count: Number(r.spans),
        error_rate: rate(Number(r.errors), Number(r.spans)),
      },
    ]),
  );
  const edges = edgeRows.map((r): TopologyEdge => {
    const calls = Number(r.calls);
    const errors = Number(r.errors);
    for (const s of [r.source, r.target])
      if (!nodes.has(s)) nodes.set(s, { service: s, span_count: 0, error_rate: 0 });
    return {
      source: r.source,
      target: r.target,
      calls,
      errors,
      error_rate: rate(errors, calls),
      p50_ms: ms(r.q[0]),
      p95_ms: ms(r.q[1]),
      p99_ms: ms(r.q[2]),
    };
  });
  return {
    nodes: [...nodes.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)),
    edges,
  };
}
