import type { ClickHouseClient } from '@clickhouse/client';
import {
  type AlertChannel,
  type AlertCondition,
  type AlertScope,
  orgFilter,
  orgParams,
} from './alert-rules.js';
import { queryRows } from './query-rows.js';

export type AlertStateName = 'ok' | 'pending' | 'firing' | 'resolved';
export type AlertTransition = 'firing' | 'resolved';

/** What the evaluator remembers about a rule between intervals (and across leaders). */
export interface AlertState {
  state: AlertStateName;
  /** Epoch ms the current state began. */
  since: number;
  value: number | null;
  no_data: boolean;
  evaluated_at: number;
}

/** Fence in the high bits, time in the low 42: a successor's write always outranks its predecessor's. */
export const stateVersion = (fence: number, atMs: number): bigint =>
  (BigInt(fence) << 42n) | (BigInt(atMs) & 0x3ffffffffffn);

export async function readAlertStates(
  ch: ClickHouseClient,
  orgs?: string[],
): Promise<Map<string, AlertState>> {
  const rows = await queryRows<{
    org_id: string;
    env: string;
    rule_id: string;
    state: AlertStateName;
    since_ms: string;
    value: number | null;
    no_data: number;
    evaluated_ms: string;
  }>(
    ch,
    `SELECT org_id, env, rule_id, state, toString(toUnixTimestamp64Milli(since)) AS since_ms, value, no_data,
            toString(toUnixTimestamp64Milli(evaluated_at)) AS evaluated_ms
       FROM alert_state_v1 FINAL WHERE 1 ${orgFilter(orgs)}`,
    orgParams(orgs),
  );
  return new Map(
    rows.map((r) => [
      stateKey(r, r.rule_id),
      {
        state: r.state,
        since: Number(r.since_ms),
        value: r.value,
        no_data: r.no_data === 1,
        evaluated_at: Number(r.evaluated_ms),
      },
    ]),
  );
}

export const stateKey = (scope: AlertScope, ruleId: string) =>
  `${scope.org_id}\u0000${scope.env}\u0000${ruleId}`;

export async function writeAlertStates(
  ch: ClickHouseClient,
  fence: number,
  states: { scope: AlertScope; rule_id: string; state: AlertState }[],
): Promise<void> {
  if (states.length === 0) return;
  await ch.insert({
    table: 'alert_state_v1',
    values: states.map(({ scope, rule_id, state }) => ({
      org_id: scope.org_id,
      env: scope.env,
      rule_id,
      version: stateVersion(fence, state.evaluated_at).toString(),
      state: state.state,
      since: new Date(state.since).toISOString(),
      value: state.value,
      no_data: state.no_data ? 1 : 0,
      evaluated_at: new Date(state.evaluated_at).toISOString(),
      fence,
    })),
    format: 'JSONEachRow',
  });
}

/** A recorded transition: what every channel is told about. */
export interface AlertEvent extends AlertScope {
  event_id: string;
  rule_id: string;
  rule_name: string;
  state: AlertTransition;
  /** Epoch ms. */
  at: number;
  value: number | null;
  threshold: number;
  condition: AlertCondition;
  severity: string;
  channels: AlertChannel[];
}

export async function recordAlertEvent(ch: ClickHouseClient, ev: AlertEvent, fence: number): Promise<void> {
  await ch.insert({
    table: 'alert_events_v1',
    values: [
      {
        org_id: ev.org_id,
        env: ev.env,
        event_id: ev.event_id,
        rule_id: ev.rule_id,
        rule_name: ev.rule_name,
        state: ev.state,
        at: new Date(ev.at).toISOString(),
        value: ev.value,
        threshold: ev.threshold,
        condition: JSON.stringify(ev.condition),
        severity: ev.severity,
        channels: JSON.stringify(ev.channels),
        fence,
      },
    ],
    format: 'JSONEachRow',
  });
}

export interface AlertDelivery {
  channel_index: number;
  channel_type: AlertChannel['type'];
  status: 'delivered' | 'failed';
  attempts: number;
  /** The receiver's last HTTP status (0 when none: e-mail, refused, or no response). */
  http_status: number;
  /** Why it failed, or the failures that preceded a success ("" when the first attempt succeeded). */
  reason: string;
  at: number;
}

export async function recordAlertDelivery(
  ch: ClickHouseClient,
  ev: AlertScope & { event_id: string },
  d: AlertDelivery,
  fence: number,
): Promise<void> {
  await ch.insert({
    table: 'alert_deliveries_v1',
    values: [
      {
        org_id: ev.org_id,
        env: ev.env,
        event_id: ev.event_id,
        channel_index: d.channel_index,
        channel_type: d.channel_type,
        status: d.status,
        attempts: d.attempts,
        http_status: d.http_status,
        reason: d.reason.slice(0, 2048),
        at: new Date(d.at).toISOString(),
        fence,
      },
    ],
    format: 'JSONEachRow',
  });
}

interface EventRow {
  org_id: string;
  env: string;
  event_id: string;
  rule_id: string;
  rule_name: string;
  state: AlertTransition;
  at_ms: string;
  value: number | null;
  threshold: number;
  condition: string;
  severity: string;
  channels: string;
}

const EVENT_COLUMNS = `org_id, env, event_id, rule_id, rule_name, state,
  toString(toUnixTimestamp64Milli(at)) AS at_ms, value, threshold, condition, severity, channels`;

const toEvent = (r: EventRow): AlertEvent => ({
  org_id: r.org_id,
  env: r.env,
  event_id: r.event_id,
  rule_id: r.rule_id,
  rule_name: r.rule_name,
  state: r.state,
  at: Number(r.at_ms),
  value: r.value,
  threshold: r.threshold,
  condition: JSON.parse(r.condition) as AlertCondition,
  severity: r.severity,
  channels: JSON.parse(r.channels) as AlertChannel[],
});

/**
 * Transitions of the last `sinceMs` that lack a delivery record for some channel: what a leader that
 * died between recording a transition and notifying left behind, for its successor to finish.
 */
export async function undeliveredAlertEvents(
  ch: ClickHouseClient,
  sinceMs: number,
  orgs?: string[],
): Promise<{ event: AlertEvent; done: Set<number> }[]> {
  const rows = await queryRows<EventRow & { done: number[] }>(
    ch,
    `SELECT ${EVENT_COLUMNS}, d.done AS done
       FROM alert_events_v1 AS e
       LEFT JOIN (SELECT org_id, env, event_id, groupUniqArray(channel_index) AS done
                    FROM alert_deliveries_v1 GROUP BY org_id, env, event_id) AS d
         ON d.org_id = e.org_id AND d.env = e.env AND d.event_id = e.event_id
      WHERE e.at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
        AND length(d.done) < JSONLength(e.channels) ${orgFilter(orgs, 'e.org_id')}
      ORDER BY e.at`,
    { since: String(sinceMs), ...orgParams(orgs) },
  );
  return rows.map((r) => ({ event: toEvent(r), done: new Set(r.done.map(Number)) }));
}

export interface AlertEventView {
  id: string;
  rule_id: string;
  rule_name: string;
  state: AlertTransition;
  at: string;
  value: number | null;
  threshold: number;
  condition: AlertCondition;
  severity: string;
  deliveries: {
    channel_index: number;
    channel: string;
    status: 'delivered' | 'failed';
    attempts: number;
    http_status: number | null;
    reason: string | null;
    at: string;
  }[];
}

export interface AlertEventPageQuery extends AlertScope {
  rule_id?: string;
  state?: AlertTransition;
  limit: number;
  /** Items strictly older than this (at ms, event id), newest first. */
  after?: { at: number; id: string };
  signal?: AbortSignal;
}

/** A page of transitions, newest first, each with its delivery records. */
export async function listAlertEvents(
  ch: ClickHouseClient,
  q: AlertEventPageQuery,
): Promise<AlertEventView[]> {
  const params: Record<string, unknown> = { org: q.org_id, env: q.env, lim: q.limit };
  const where = ['org_id = {org:String}', 'env = {env:String}'];
  if (q.rule_id !== undefined) {
    where.push('rule_id = {rule:String}');
    params.rule = q.rule_id;
  }
  if (q.state !== undefined) {
    where.push('state = {state:String}');
    params.state = q.state;
  }
  if (q.after) {
    where.push("(at, event_id) < (fromUnixTimestamp64Milli({after_at:Int64}, 'UTC'), {after_id:String})");
    params.after_at = String(q.after.at);
    params.after_id = q.after.id;
  }
  const events = await queryRows<EventRow>(
    ch,
    `SELECT ${EVENT_COLUMNS} FROM alert_events_v1 FINAL
      WHERE ${where.join(' AND ')}
      ORDER BY at DESC, event_id DESC LIMIT {lim:UInt32}`,
    params,
    q.signal,
  );
  const deliveries =
    events.length === 0
      ? []
      : await queryRows<{
          event_id: string;
          channel_index: number;
          channel_type: string;
          status: 'delivered' | 'failed';
          attempts: number;
          http_status: number;
          reason: string;
          at_ms: string;
        }>(
          ch,
          `SELECT event_id, channel_index, channel_type, status, attempts, http_status, reason,
                  toString(toUnixTimestamp64Milli(at)) AS at_ms
             FROM alert_deliveries_v1 FINAL
            WHERE org_id = {org:String} AND env = {env:String} AND event_id IN {ids:Array(String)}
            ORDER BY event_id, channel_index`,
          { org: q.org_id, env: q.env, ids: events.map((e) => e.event_id) },
          q.signal,
        );
  return events.map((r) => {
    const e = toEvent(r);
    return {
      id: e.event_id,
      rule_id: e.rule_id,
      rule_name: e.rule_name,
      state: e.state,
      at: new Date(e.at).toISOString(),
      value: e.value,
      threshold: e.threshold,
      condition: e.condition,
      severity: e.severity,
      deliveries: deliveries
        .filter((d) => d.event_id === e.event_id)
        .map((d) => ({
          channel_index: Number(d.channel_index),
          channel: d.channel_type,
          status: d.status,
          attempts: Number(d.attempts),
          http_status: Number(d.http_status) || null,
          reason: d.reason || null,
          at: new Date(Number(d.at_ms)).toISOString(),
        })),
    };
  });
}

/** One rule's metric inputs over a window, from the per-minute rollups (service_rollups_v1). */
export interface WindowStats {
  spans: number;
  errors: number;
  /** p50, p95, p99 in ms (t-digest), meaningless when spans is 0. */
  quantiles: [number, number, number];
  /**
   * The time the summed minutes cover: from the start of the minute holding `fromMs` to `toMs`, up to a
   * minute more than the window. Rates divide by this, not by the window, or they read up to 2× high.
   */
  coveredMs?: number;
}

/**
 * Sums the rollup minutes that start within [now − window, now] (the minute holding now − window
 * counts whole: rollups have minute resolution).
 */
export async function readWindowStats(
  ch: ClickHouseClient,
  q: AlertScope & { service?: string; fromMs: number; toMs: number },
): Promise<WindowStats> {
  const params: Record<string, unknown> = {
    org: q.org_id,
    env: q.env,
    from: String(q.fromMs),
    to: String(q.toMs),
  };
  if (q.service !== undefined) params.service = q.service;
  const [row] = await queryRows<{ spans: string; errors: string; q: number[] }>(
    ch,
    `SELECT toString(sum(spans)) AS spans, toString(sum(errors)) AS errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_ms) AS q
       FROM service_rollups_v1
      WHERE org_id = {org:String} AND env = {env:String}
        AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
        AND minute <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
        ${q.service === undefined ? '' : 'AND service = {service:String}'}`,
    params,
  );
  const qs = row?.q ?? [];
  return {
    spans: Number(row?.spans ?? 0),
    errors: Number(row?.errors ?? 0),
    quantiles: [qs[0] ?? 0, qs[1] ?? 0, qs[2] ?? 0],
    coveredMs: q.toMs - Math.floor(q.fromMs / 60_000) * 60_000,
  };
}
