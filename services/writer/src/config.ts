import { envBool, envInt, envList, loadConfig as parse } from '@mesh-trace/config';
import { z } from 'zod';

const schema = z.object({
  MESH_TRACE_WRITER_HOST: z.string().default('0.0.0.0'),
  MESH_TRACE_WRITER_PORT: envInt(4002, 0, 65535),
  KAFKA_BROKERS: envList(['127.0.0.1:19092']),
  KAFKA_PARTITIONS: envInt(3, 1, 1024),
  MESH_TRACE_WRITER_GROUP: z.string().min(1).default('mesh-trace-writer'),
  MESH_TRACE_TOPIC: z.string().min(1).default('mesh-trace.spans.v1'),
  CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  MESH_TRACE_RETENTION_DAYS: envInt(7, 1, 3650),
  MESH_TRACE_NODE_ID: z.string().optional(),
  MESH_TRACE_CLUSTER: z.string().default(''),
  MESH_TRACE_WRITER_MAX_ROWS: envInt(50_000, 1),
  MESH_TRACE_WRITER_MAX_BYTES: envInt(16 * 1024 * 1024, 1024),
  MESH_TRACE_WRITER_MAX_WAIT_MS: envInt(200, 0, 60_000),
  MESH_TRACE_WRITER_MIN_FETCH_BYTES: envInt(256 * 1024, 1),
  MESH_TRACE_WRITER_RETRY_MAX_MS: envInt(10_000, 10),
  /** Kafka's broker minimum is 6000 (group.min.session.timeout.ms). */
  MESH_TRACE_WRITER_SESSION_TIMEOUT_MS: envInt(30_000, 6_000),
  MESH_TRACE_RUN_MIGRATIONS: envBool(true),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type WriterConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): WriterConfig {
  return parse(schema, env);
}
