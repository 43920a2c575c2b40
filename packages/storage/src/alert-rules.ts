import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { queryRows } from './query-rows.js';

export const ALERT_METRICS = [
  'error_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'throughput',
] as const;
export const ALERT_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3_600_000;

/** `30s`, `5m`, `2h` → milliseconds; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d{1,6})(s|m|h)$/.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const duration = (min: number, max: number, hint: string) =>
  z.string({ error: `must be a duration such as "5m" (${hint})` }).refine(
    (s) => {
      const ms = durationMs(s);
      return ms !== undefined && ms >= min && ms <= max;
    },
    { error: `must be a duration from ${hint}, written like "30s", "5m" or "2h"` },
  );

const httpUrl = (what: string) =>
  z
    .string({ error: `required: the ${what}` })
    .max(2048)
    .refine(
      (s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
        } catch {
          return false;
        }
      },
      { error: 'must be an http:// or https:// URL' },
    );

export const alertConditionSchema = z.object({
  metric: z.enum(ALERT_METRICS, { error: `must be one of ${ALERT_METRICS.join(', ')}` }),
  service: z.string().min(1).max(256).optional(),
  operator: z.enum(ALERT_OPERATORS, { error: `must be one of ${ALERT_OPERATORS.join(', ')}` }).default('gt'),
  threshold: z.number({ error: 'must be a number' }).finite(),
  window: duration(MINUTE_MS, DAY_MS, '1m to 24h'),
  for: duration(0, DAY_MS, '0m to 24h').default('0m'),
});

export const alertChannelSchema = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('webhook'),
      url: httpUrl('URL to POST to'),
      secret: z.string().min(1).max(512).optional(),
    }),
    z.object({ type: z.literal('slack'), webhook_url: httpUrl('Slack incoming-webhook URL') }),
    z.object({
      type: z.literal('email'),
      to: z
        .array(z.email({ error: 'must be an e-mail address' }), { error: 'required: a list of addresses' })
        .min(1, { error: 'needs at least one address' })
        .max(50),
    }),
    z.object({
      type: z.literal('pagerduty'),
      routing_key: z.string({ error: 'required: the PagerDuty integration (routing) key' }).min(1).max(256),
    }),
  ],
  { error: 'must be one of webhook, slack, email, pagerduty' },
);

/** The rule document of API.md §6, defaults applied. */
export const alertRuleSpecSchema = z.object({
  name: z.string({ error: 'required' }).trim().min(1, { error: 'must not be empty' }).max(256),
  condition: alertConditionSchema,
  channels: z
    .array(alertChannelSchema, { error: 'required: a list of channels' })
    .min(1, { error: 'needs at least one channel' })
    .max(20),
  severity: z
    .enum(ALERT_SEVERITIES, { error: `must be one of ${ALERT_SEVERITIES.join(', ')}` })
    .default('warning'),
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
});

export type AlertRuleSpec = z.output<typeof alertRuleSpecSchema>;
export type AlertChannel = z.output<typeof alertChannelSchema>;
export type AlertCondition = z.output<typeof alertConditionSchema>;

export interface AlertScope {
  org_id: string;
  env: string;
}

export interface AlertRuleRecord extends AlertScope {
  id: string;
  version: number;
  deleted: boolean;
  spec: AlertRuleSpec;
  created_at: string;
  updated_at: string;
}

interface RuleRow {
  org_id: string;
  env: string;
  rule_id: string;
  version: string;
  deleted: number;
  spec: string;
  created_ms: string;
  updated_ms: string;
}

const iso = (ms: string) => new Date(Number(ms)).toISOString();

function toRecord(r: RuleRow): AlertRuleRecord {
  return {
    org_id: r.org_id,
    env: r.env,
    id: r.rule_id,
    version: Number(r.version),
    deleted: r.deleted === 1,
    // Stored specs passed the same schema on the way in; parsing again applies defaults added later.
    spec: alertRuleSpecSchema.parse(JSON.parse(r.spec)),
    created_at: iso(r.created_ms),
    updated_at: iso(r.updated_ms),
  };
}

const SELECT = `SELECT org_id, env, rule_id, toString(version) AS version, deleted, spec,
                       toString(toUnixTimestamp64Milli(created_at)) AS created_ms,
                       toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms
                  FROM alert_rules_v1 FINAL`;

/** Upper bound of one listing: far more rules than an environment should ever hold. */
export const MAX_RULES_PER_ENV = 1_000;

/** The live (not deleted) rules of one org/env, oldest first. */
export async function listAlertRules(
  ch: ClickHouseClient,
  scope: AlertScope,
  signal?: AbortSignal,
): Promise<AlertRuleRecord[]> {
  const rows = await queryRows<RuleRow>(
    ch,
    `${SELECT} WHERE org_id = {org:String} AND env = {env:String} AND deleted = 0
      ORDER BY created_at, rule_id LIMIT {lim:UInt32}`,
    { org: scope.org_id, env: scope.env, lim: MAX_RULES_PER_ENV },
    signal,
  );
  return rows.map(toRecord);
}

/** The latest version of a rule, deleted or not; undefined if it never existed in this org/env. */
export async function getAlertRule(
  ch: ClickHouseClient,
  scope: AlertScope,
  id: string,
  signal?: AbortSignal,
): Promise<AlertRuleRecord | undefined> {
  const rows = await queryRows<RuleRow>(
    ch,
    `${SELECT} WHERE org_id = {org:String} AND env = {env:String} AND rule_id = {id:String}`,
    { org: scope.org_id, env: scope.env, id },
    signal,
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** `AND org_id IN …` when the evaluator is limited to some organisations (none: every one). */
export const orgFilter = (orgs: string[] | undefined, column = 'org_id') =>
  orgs?.length ? `AND ${column} IN {orgs:Array(String)}` : '';
export const orgParams = (orgs: string[] | undefined): Record<string, unknown> =>
  orgs?.length ? { orgs } : {};

/** Every enabled rule (of `orgs`, or of every organisation): what the evaluator works through. */
export async function listEnabledAlertRules(
  ch: ClickHouseClient,
  orgs?: string[],
): Promise<AlertRuleRecord[]> {
  const rows = await queryRows<RuleRow>(
    ch,
    `${SELECT} WHERE deleted = 0 AND enabled = 1 ${orgFilter(orgs)} ORDER BY org_id, env, rule_id`,
    orgParams(orgs),
  );
  return rows.map(toRecord);
}

/** Stores one version of a rule (create, update or tombstone). */
export async function writeAlertRule(ch: ClickHouseClient, rec: AlertRuleRecord): Promise<void> {
  await ch.insert({
    table: 'alert_rules_v1',
    values: [
      {
        org_id: rec.org_id,
        env: rec.env,
        rule_id: rec.id,
        version: rec.version,
        name: rec.spec.name,
        enabled: rec.spec.enabled ? 1 : 0,
        deleted: rec.deleted ? 1 : 0,
        spec: JSON.stringify(rec.spec),
        created_at: rec.created_at,
        updated_at: rec.updated_at,
      },
    ],
    format: 'JSONEachRow',
  });
}
