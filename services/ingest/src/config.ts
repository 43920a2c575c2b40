import { envBool, envInt, envList, loadConfig as parse } from '@mesh-trace/config';
import { parseTrustProxy } from '@mesh-trace/http';
import { z } from 'zod';

const schema = z.object({
  MESH_TRACE_INGEST_HOST: z.string().default('0.0.0.0'),
  MESH_TRACE_INGEST_PORT: envInt(4001, 0, 65535),
  KAFKA_BROKERS: envList(['127.0.0.1:19092']),
  KAFKA_PARTITIONS: envInt(3, 1, 1024),
  MESH_TRACE_TOPIC: z.string().min(1).default('mesh-trace.spans.v1'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  MESH_TRACE_MAX_BODY_BYTES: envInt(5 * 1024 * 1024, 1024),
  MESH_TRACE_MAX_BATCH_ITEMS: envInt(10_000, 1),
  MESH_TRACE_RETENTION_DAYS: envInt(7, 1, 3650),
  MESH_TRACE_RATE_LIMIT_PER_MINUTE: envInt(1000, 1, 10_000),
  MESH_TRACE_AUTH_FAILURES_PER_MINUTE: envInt(60, 1),
  MESH_TRACE_MAX_INFLIGHT_BYTES: envInt(64 * 1024 * 1024, 1024),
  MESH_TRACE_PRODUCE_TIMEOUT_MS: envInt(5_000, 100, 120_000),
  MESH_TRACE_BOOTSTRAP_KEY: z.string().optional(),
  /** Proxies whose X-Forwarded-For is believed: true, false, a hop count, or addresses/subnets. */
  MESH_TRACE_TRUST_PROXY: z.string().optional().transform(parseTrustProxy),
  /** Collector node identity (e.g. the pod name); default <role>-<hostname>-<pid>. */
  MESH_TRACE_NODE_ID: z.string().optional(),
  MESH_TRACE_CLUSTER: z.string().default(''),
  /** How long accepted trace ids are remembered for /complete before ClickHouse is asked instead. */
  MESH_TRACE_ACCEPTED_TTL_SECONDS: envInt(86_400, 60),
  MESH_TRACE_RUN_MIGRATIONS: envBool(true),
  /** Agents' live streams: how far back Last-Event-ID can resume (at least 5 minutes). */
  MESH_TRACE_LIVE_RETENTION_SECONDS: envInt(600, 300, 86_400),
  MESH_TRACE_LIVE_ENABLED: envBool(true),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type IngestConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): IngestConfig {
  return parse(schema, env);
}
