import { alertsEnvShape } from '@mesh-trace/alerter';
import { envInt, loadConfig as parse, sharedEnv } from '@mesh-trace/config';
import { z } from 'zod';

const schema = z.object({
  // Alert evaluation and notifications (docs/alerts.md): the same variables as the alerter's.
  ...alertsEnvShape,
  ...sharedEnv(
    'MESH_TRACE_MAX_BODY_BYTES',
    'MESH_TRACE_MAX_BATCH_ITEMS',
    'MESH_TRACE_RETENTION_DAYS',
    'MESH_TRACE_RATE_LIMIT_PER_MINUTE',
    'MESH_TRACE_BOOTSTRAP_KEY',
    'LOG_LEVEL',
  ),
  MESH_TRACE_HOST: z.string().default('0.0.0.0').describe('all-in-one listen address (both ports)'),
  MESH_TRACE_QUERY_PORT: envInt(4000, 0, 65535).describe('all-in-one query port (API and web UI)'),
  MESH_TRACE_INGEST_PORT: envInt(4001, 0, 65535).describe('all-in-one ingest port'),
  MESH_TRACE_DATA_DIR: z
    .string()
    .min(1)
    .default('./.data')
    .describe('ClickHouse files, dev-admin-key and cursor-secret of the all-in-one'),
  MESH_TRACE_CLICKHOUSE_PORT: envInt(0, 0, 65535).describe(
    'loopback port of the embedded ClickHouse (0: any free port)',
  ),
  MESH_TRACE_QUEUE_MAX_MESSAGES: envInt(100_000, 1).describe(
    'messages the in-process queue holds before ingest answers 503',
  ),
});

/** The schema (exported for the generated configuration reference). */
export const configSchema = schema;

export type AllInOneConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): AllInOneConfig {
  return parse(schema, env);
}
