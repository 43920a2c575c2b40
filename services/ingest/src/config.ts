import { envBool, envInt, KAFKA_SECURITY_ENV, loadConfig as parse, sharedEnv } from '@mesh-trace/config';
import { parseTrustProxy } from '@mesh-trace/http';
import { z } from 'zod';

const schema = z.object({
  ...sharedEnv(
    'KAFKA_BROKERS',
    ...KAFKA_SECURITY_ENV,
    'KAFKA_PARTITIONS',
    'KAFKA_COMPRESSION',
    'MESH_TRACE_TOPIC',
    'REDIS_URL',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'MESH_TRACE_MAX_BODY_BYTES',
    'MESH_TRACE_MAX_BATCH_ITEMS',
    'MESH_TRACE_RETENTION_DAYS',
    'MESH_TRACE_RATE_LIMIT_PER_MINUTE',
    'MESH_TRACE_BOOTSTRAP_KEY',
    'MESH_TRACE_NODE_ID',
    'MESH_TRACE_CLUSTER',
    'MESH_TRACE_RUN_MIGRATIONS',
    'LOG_LEVEL',
  ),
  MESH_TRACE_INGEST_HOST: z.string().default('0.0.0.0').describe('ingest listen address'),
  MESH_TRACE_INGEST_PORT: envInt(4001, 0, 65535).describe('ingest listen port'),
  MESH_TRACE_AUTH_FAILURES_PER_MINUTE: envInt(60, 1).describe(
    'failed authentications per client address per minute',
  ),
  MESH_TRACE_MAX_INFLIGHT_BYTES: envInt(64 * 1024 * 1024, 1024).describe(
    'request bodies held at once before ingest answers 503 + Retry-After',
  ),
  MESH_TRACE_PRODUCE_TIMEOUT_MS: envInt(5_000, 100, 120_000).describe(
    'longest wait for Kafka acknowledgements before 503 + Retry-After',
  ),
  MESH_TRACE_TRUST_PROXY: z
    .string()
    .optional()
    .transform(parseTrustProxy)
    .describe('proxies whose X-Forwarded-For is believed: true, false, a hop count, or addresses/subnets'),
  MESH_TRACE_ACCEPTED_TTL_SECONDS: envInt(86_400, 60).describe(
    'how long accepted trace ids are remembered (Redis) for /complete before ClickHouse is asked instead',
  ),
  MESH_TRACE_LIVE_RETENTION_SECONDS: envInt(600, 300, 86_400).describe(
    "agents' live streams: how far back Last-Event-ID can resume",
  ),
  MESH_TRACE_LIVE_ENABLED: envBool(true).describe("publish accepted data to agents' live streams"),
  // Unset: decided at start from the machine's cores (defaultDecodeThreads).
  MESH_TRACE_INGEST_DECODE_THREADS: envInt(0, 0, 16)
    .optional()
    .describe(
      'threads that parse, validate and encode batch bodies beside the request thread (0: on the request thread); unset: one per core beyond the first, at most 2',
    ),
});

/** The schema (exported for the generated configuration reference). */
export const configSchema = schema;

export type IngestConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): IngestConfig {
  return parse(schema, env);
}
