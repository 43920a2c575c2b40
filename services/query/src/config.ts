import { envInt, loadConfig as parse, sharedEnv } from '@mesh-trace/config';
import { parseTrustProxy } from '@mesh-trace/http';
import { z } from 'zod';

const schema = z
  .object({
    ...sharedEnv(
      'REDIS_URL',
      'CLICKHOUSE_URL',
      'CLICKHOUSE_USER',
      'CLICKHOUSE_PASSWORD',
      'MESH_TRACE_RETENTION_DAYS',
      'MESH_TRACE_RATE_LIMIT_PER_MINUTE',
      'MESH_TRACE_BOOTSTRAP_KEY',
      'MESH_TRACE_RUN_MIGRATIONS',
      'NODE_ENV',
      'LOG_LEVEL',
    ),
    MESH_TRACE_QUERY_HOST: z.string().default('0.0.0.0').describe('query listen address'),
    MESH_TRACE_QUERY_PORT: envInt(4000, 0, 65535).describe('query listen port'),
    MESH_TRACE_TRUST_PROXY: z
      .string()
      .optional()
      .transform(parseTrustProxy)
      .describe('proxies whose X-Forwarded-For is believed: true, false, a hop count, or addresses/subnets'),
    MESH_TRACE_LIVE_HEARTBEAT_MS: envInt(15_000, 100, 600_000).describe(
      'live streams: comment heartbeat interval',
    ),
    MESH_TRACE_LIVE_MAX_BUFFER_BYTES: envInt(1024 * 1024, 1024).describe(
      'live streams: unread bytes after which a client is dropped',
    ),
    MESH_TRACE_TRACE_MAX_SPANS: envInt(10_000, 1, 100_000).describe(
      'spans per GET /v1/traces/:id response; larger traces come in windows (next_cursor)',
    ),
    MESH_TRACE_CURSOR_SECRET: z
      .string()
      .min(32, { error: 'must be at least 32 characters' })
      .optional()
      .describe(
        'signs pagination cursors; 32+ characters, the same on every replica. Required when NODE_ENV=production, else random per process',
      ),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.NODE_ENV === 'production' && cfg.MESH_TRACE_CURSOR_SECRET === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['MESH_TRACE_CURSOR_SECRET'],
        message:
          'required when NODE_ENV=production: without it every replica signs cursors with its own random ' +
          'secret, and a cursor issued by one replica is rejected (400) by the others and after a restart',
      });
  });

/** The schema (exported for the generated configuration reference). */
export const configSchema = schema;

export type QueryConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): QueryConfig {
  return parse(schema, env);
}
