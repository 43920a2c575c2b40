import { envInt, KAFKA_SECURITY_ENV, loadConfig as parse, sharedEnv } from '@mesh-trace/config';
import { z } from 'zod';

const schema = z.object({
  ...sharedEnv(
    'KAFKA_BROKERS',
    ...KAFKA_SECURITY_ENV,
    'KAFKA_PARTITIONS',
    'KAFKA_COMPRESSION',
    'MESH_TRACE_TOPIC',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'MESH_TRACE_RETENTION_DAYS',
    'MESH_TRACE_NODE_ID',
    'MESH_TRACE_CLUSTER',
    'MESH_TRACE_RUN_MIGRATIONS',
    'LOG_LEVEL',
  ),
  MESH_TRACE_WRITER_HOST: z.string().default('0.0.0.0').describe('writer health/metrics listen address'),
  MESH_TRACE_WRITER_PORT: envInt(4002, 0, 65535).describe('writer health/metrics port'),
  MESH_TRACE_WRITER_GROUP: z.string().min(1).default('mesh-trace-writer').describe('Kafka consumer group'),
  MESH_TRACE_WRITER_MAX_ROWS: envInt(50_000, 1).describe('rows per ClickHouse insert, at most'),
  MESH_TRACE_WRITER_MAX_BYTES: envInt(16 * 1024 * 1024, 1024).describe(
    'bytes per ClickHouse insert, at most',
  ),
  MESH_TRACE_WRITER_MAX_WAIT_MS: envInt(200, 0, 60_000).describe(
    'how long a fetch waits to fill MIN_FETCH_BYTES (the batch age bound)',
  ),
  MESH_TRACE_WRITER_MIN_FETCH_BYTES: envInt(256 * 1024, 1).describe(
    'bytes a fetch waits for, up to MAX_WAIT_MS',
  ),
  MESH_TRACE_WRITER_RETRY_MAX_MS: envInt(10_000, 10).describe('backoff cap while ClickHouse refuses inserts'),
  MESH_TRACE_WRITER_SESSION_TIMEOUT_MS: envInt(30_000, 6_000).describe(
    "consumer session timeout (the broker's minimum is 6000: group.min.session.timeout.ms)",
  ),
});

/** The schema (exported for the generated configuration reference). */
export const configSchema = schema;

export type WriterConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): WriterConfig {
  return parse(schema, env);
}
