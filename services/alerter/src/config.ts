import { envBool, envInt, envList, loadConfig as parse, sharedEnv } from '@mesh-trace/config';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * Notification settings, shared by the alerter and the all-in-one (which runs the evaluator in its
 * own process). Every destination a rule names is checked against these at delivery time.
 */
export const alertsEnvShape = {
  /** How often every enabled rule is evaluated. */
  MESH_TRACE_ALERTS_INTERVAL_MS: envInt(30_000, 200, 3_600_000).describe(
    'how often every enabled rule is evaluated',
  ),
  /**
   * Hosts, addresses and CIDRs a channel may reach although they are loopback, private or
   * link-local (self-hosted receivers), e.g. `hooks.internal,10.1.2.0/24,127.0.0.1/32`.
   */
  MESH_TRACE_ALERTS_ALLOW_HOSTS: envList([])
    .refine((entries) => entries.every((e) => !e.includes('/') || ipaddr.isValidCIDR(e)), {
      error: 'an entry with "/" must be a CIDR such as 10.0.0.0/8 or fd00::/8',
    })
    .describe('hosts, addresses and CIDRs channels may reach although loopback, private or link-local'),
  MESH_TRACE_ALERTS_TIMEOUT_MS: envInt(5_000, 100, 60_000).describe('timeout of one delivery attempt'),
  MESH_TRACE_ALERTS_MAX_RESPONSE_BYTES: envInt(64 * 1024, 1_024, 16 * 1024 * 1024).describe(
    'response bytes read from a receiver, at most',
  ),
  MESH_TRACE_ALERTS_MAX_ATTEMPTS: envInt(4, 1, 10).describe('delivery attempts per channel and transition'),
  MESH_TRACE_ALERTS_RETRY_BASE_MS: envInt(1_000, 10, 60_000).describe(
    'first retry delay; doubles per attempt',
  ),
  MESH_TRACE_ALERTS_PAGERDUTY_URL: z
    .string()
    .url()
    .default('https://events.pagerduty.com/v2/enqueue')
    .describe('PagerDuty Events API v2 endpoint'),
  /** Base of the links in notifications (the query API or the UI in front of it). */
  MESH_TRACE_ALERTS_PUBLIC_URL: z
    .string()
    .url()
    .default('http://localhost:4000')
    .describe('base of the links in notifications (the query API or the UI in front of it)'),
  /** Evaluate only these organisations (sharding, tests); empty: every organisation. */
  MESH_TRACE_ALERTS_ORGS: envList([]).describe(
    'evaluate only these organisations (comma-separated); empty: all',
  ),
  MESH_TRACE_SMTP_HOST: z
    .string()
    .optional()
    .describe('SMTP server for e-mail channels (unset: e-mail deliveries fail)'),
  MESH_TRACE_SMTP_PORT: envInt(587, 1, 65535).describe('SMTP port'),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  MESH_TRACE_SMTP_SECURE: envBool(false).describe(
    'true: TLS from the first byte (port 465); false: STARTTLS when offered',
  ),
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  MESH_TRACE_SMTP_REQUIRE_TLS: envBool(false).describe(
    'refuse to send unless the connection is upgraded with STARTTLS',
  ),
  MESH_TRACE_SMTP_USER: z.string().optional().describe('SMTP user'),
  MESH_TRACE_SMTP_PASSWORD: z.string().optional().describe('SMTP password'),
  MESH_TRACE_SMTP_FROM: z
    .string()
    .default('Mesh-Trace alerts <alerts@mesh-trace.invalid>')
    .describe('From: of alert e-mails'),
};

const alertsEnv = z.object(alertsEnvShape);
export type AlertsEnv = z.output<typeof alertsEnv>;

const schema = z.object({
  ...alertsEnvShape,
  ...sharedEnv(
    'REDIS_URL',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'MESH_TRACE_RETENTION_DAYS',
    'MESH_TRACE_RUN_MIGRATIONS',
    'LOG_LEVEL',
  ),
  MESH_TRACE_ALERTER_HOST: z.string().default('0.0.0.0').describe('alerter health/metrics listen address'),
  MESH_TRACE_ALERTER_PORT: envInt(4003, 0, 65535).describe('alerter health/metrics/status port'),
  MESH_TRACE_ALERTER_ID: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("this replica's name in the leader lease (default alerter-<hostname>-<pid>)"),
  MESH_TRACE_ALERTER_LEASE_KEY: z
    .string()
    .min(1)
    .default('mesh-trace:alerter:leader')
    .describe('Redis key of the leader lease: replicas sharing it elect one active evaluator'),
});

/** The schema (exported for the generated configuration reference). */
export const configSchema = schema;

export type AlerterConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): AlerterConfig {
  return parse(schema, env);
}
