import { alertsEnvShape } from '@mesh-trace/alerter';
import { envInt, loadConfig as parse } from '@mesh-trace/config';
import { z } from 'zod';

const schema = z.object({
  // Alert evaluation and notifications (docs/alerts.md): the same variables as the alerter's.
  ...alertsEnvShape,
  MESH_TRACE_HOST: z.string().default('0.0.0.0'),
  MESH_TRACE_QUERY_PORT: envInt(4000, 0, 65535),
  MESH_TRACE_INGEST_PORT: envInt(4001, 0, 65535),
  MESH_TRACE_DATA_DIR: z.string().min(1).default('./.data'),
  /** The embedded ClickHouse listens on loopback only; 0 picks a free port. */
  MESH_TRACE_CLICKHOUSE_PORT: envInt(0, 0, 65535),
  MESH_TRACE_MAX_BODY_BYTES: envInt(5 * 1024 * 1024, 1024),
  MESH_TRACE_MAX_BATCH_ITEMS: envInt(10_000, 1),
  MESH_TRACE_RETENTION_DAYS: envInt(7, 1, 3650),
  MESH_TRACE_RATE_LIMIT_PER_MINUTE: envInt(1000, 1, 10_000),
  MESH_TRACE_QUEUE_MAX_MESSAGES: envInt(100_000, 1),
  MESH_TRACE_BOOTSTRAP_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type AllInOneConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): AllInOneConfig {
  return parse(schema, env);
}
