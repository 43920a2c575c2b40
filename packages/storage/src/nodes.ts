import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';

export interface NodeInfo {
  node_id: string;
  role: 'ingest' | 'writer';
  cluster: string;
  hostname: string;
  version: string;
  started_at: string;
}

export interface NodeView extends NodeInfo {
  last_heartbeat: string;
  heartbeat_age_s: number;
  status: 'ok' | 'stale' | 'down';
  draining: boolean;
  stats: Record<string, number>;
}

export const HEARTBEAT_INTERVAL_MS = 5_000;
const iso = (ch: string) => `${ch.replace(' ', 'T')}Z`;

/** Missing 3 heartbeats is stale, 12 is down. */
export function nodeStatus(ageMs: number): NodeView['status'] {
  if (ageMs >= 12 * HEARTBEAT_INTERVAL_MS) return 'down';
  if (ageMs >= 3 * HEARTBEAT_INTERVAL_MS) return 'stale';
  return 'ok';
}

export async function recordHeartbeat(
  ch: ClickHouseClient,
  node: NodeInfo,
  stats: Record<string, number>,
): Promise<void> {
  await ch.insert({
    table: 'collector_nodes_v1',
    values: [{ ...node, last_heartbeat: new Date().toISOString(), stats: JSON.stringify(stats) }],
    format: 'JSONEachRow',
  });
}

export async function isDraining(ch: ClickHouseClient, nodeId: string): Promise<boolean> {
  const rs = await ch.query({
    query: 'SELECT draining FROM node_drains_v1 FINAL WHERE node_id = {id:String}',
    query_params: { id: nodeId },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ draining: number }>())[0]?.draining === 1;
}

export async function setDraining(ch: ClickHouseClient, nodeId: string, draining: boolean): Promise<void> {
  await ch.insert({
    table: 'node_drains_v1',
    values: [{ node_id: nodeId, draining: draining ? 1 : 0, updated_at: new Date().toISOString() }],
    format: 'JSONEachRow',
  });
}

export async function listNodes(ch: ClickHouseClient, nodeId?: string): Promise<NodeView[]> {
  const rs = await ch.query({
    query: `SELECT n.node_id AS node_id, role, cluster, hostname, version, toString(started_at) AS started_s,
                   toString(last_heartbeat) AS heartbeat_s, stats,
                   toUInt64(dateDiff('millisecond', last_heartbeat, now64(3))) AS age_ms, d.draining AS draining
              FROM (SELECT * FROM collector_nodes_v1 FINAL ${nodeId === undefined ? '' : 'WHERE node_id = {id:String}'}) AS n
              LEFT JOIN (SELECT node_id, draining FROM node_drains_v1 FINAL) AS d ON d.node_id = n.node_id
             ORDER BY role, node_id`,
    query_params: nodeId === undefined ? {} : { id: nodeId },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{
    node_id: string;
    role: NodeInfo['role'];
    cluster: string;
    hostname: string;
    version: string;
    started_s: string;
    heartbeat_s: string;
    stats: string;
    age_ms: string;
    draining: number;
  }>();
  return rows.map((r) => ({
    node_id: r.node_id,
    role: r.role,
    cluster: r.cluster,
    hostname: r.hostname,
    version: r.version,
    started_at: iso(r.started_s),
    last_heartbeat: iso(r.heartbeat_s),
    heartbeat_age_s: Math.round(Number(r.age_ms) / 100) / 10,
    status: nodeStatus(Number(r.age_ms)),
    draining: r.draining === 1,
    stats: JSON.parse(r.stats || '{}') as Record<string, number>,
  }));
}

/**
 * Registers this process as a collector node and heartbeats every 5 s with its counters; each beat
 * also reads the node's drain flag. Failures are logged and retried on the next beat.
 */
export function startHeartbeat(opts: {
  ch: ClickHouseClient;
  node: NodeInfo;
  stats: () => Promise<Record<string, number>> | Record<string, number>;
  onDrainChange?: (draining: boolean) => void;
  log?: { warn(obj: object, msg: string): void };
  intervalMs?: number;
  drainPollMs?: number;
}): { stop(): Promise<void>; draining(): boolean } {
  let draining = false;
  let beating: Promise<void> = Promise.resolve();
  let polling: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      await recordHeartbeat(opts.ch, opts.node, await opts.stats());
    } catch (err) {
      opts.log?.warn({ err: (err as Error).message, node_id: opts.node.node_id }, 'heartbeat_failed');
    }
  };
  // The drain flag is polled more often than heartbeats are sent, so a drain takes effect in ≤ 2 s.
  const poll = async () => {
    try {
      const now = await isDraining(opts.ch, opts.node.node_id);
      if (now !== draining) {
        draining = now;
        opts.onDrainChange?.(now);
      }
    } catch (err) {
      opts.log?.warn({ err: (err as Error).message, node_id: opts.node.node_id }, 'drain_poll_failed');
    }
  };
  beating = beat();
  const timer = setInterval(() => {
    beating = beating.then(beat);
  }, opts.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  const drainTimer = setInterval(() => {
    polling = polling.then(poll);
  }, opts.drainPollMs ?? 2_000);
  timer.unref();
  drainTimer.unref();
  return {
    draining: () => draining,
    stop: async () => {
      clearInterval(timer);
      clearInterval(drainTimer);
      await Promise.all([beating, polling]);
    },
  };
}

/** This process as a node: `MESH_TRACE_NODE_ID` (e.g. the pod name) or `<role>-<hostname>-<pid>`. */
export function describeNode(
  role: NodeInfo['role'],
  opts: { nodeId?: string; cluster?: string; version: string },
): NodeInfo {
  const host = hostname();
  return {
    node_id: opts.nodeId || `${role}-${host}-${process.pid}`,
    role,
    cluster: opts.cluster ?? '',
    hostname: host,
    version: opts.version,
    started_at: new Date().toISOString(),
  };
}

/** Turns monotonically growing totals into per-second rates between two heartbeats. */
export function rateTracker(): (totals: Record<string, number>) => Record<string, number> {
  let last: { at: number; totals: Record<string, number> } | undefined;
  return (totals) => {
    const now = Date.now();
    const out: Record<string, number> = { ...totals };
    if (last) {
      const secs = Math.max(0.001, (now - last.at) / 1000);
      for (const [k, v] of Object.entries(totals))
        out[`${k}_per_s`] = Math.round(((v - (last.totals[k] ?? 0)) / secs) * 10) / 10;
    }
    last = { at: now, totals };
    return out;
  };
}
