import { envBool, envInt, loadConfig as parse } from '@mesh-trace/config';
import { parseTrustProxy } from '@mesh-trace/http';
import { z } from 'zod';

const schema = z
  .object({
    MESH_TRACE_QUERY_HOST: z.string().default('0.0.0.0'),
    MESH_TRACE_QUERY_PORT: envInt(4000, 0, 65535),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    MESH_TRACE_RETENTION_DAYS: envInt(7, 1, 3650),
    MESH_TRACE_RATE_LIMIT_PER_MINUTE: envInt(1000, 1, 10_000),
    MESH_TRACE_BOOTSTRAP_KEY: z.string().optional(),
    /** Proxies whose X-Forwarded-For is believed: true, false, a hop count, or addresses/subnets. */
    MESH_TRACE_TRUST_PROXY: z.string().optional().transform(parseTrustProxy),
    MESH_TRACE_RUN_MIGRATIONS: envBool(true),
    /** Live streams: comment heartbeat interval, and unread bytes after which a client is dropped. */
    MESH_TRACE_LIVE_HEARTBEAT_MS: envInt(15_000, 100, 600_000),
    MESH_TRACE_LIVE_MAX_BUFFER_BYTES: envInt(1024 * 1024, 1024),
    /** GET /v1/traces/:id returns at most this many spans per response; larger traces come in windows. */
    MESH_TRACE_TRACE_MAX_SPANS: envInt(10_000, 1, 100_000),
    /** Signs pagination cursors; at least 32 characters. Shared by every replica behind one URL. */
    MESH_TRACE_CURSOR_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    NODE_ENV: z.string().optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
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

export type QueryConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>): QueryConfig {
  return parse(schema, env);
}
