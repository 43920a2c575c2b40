#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { ensureKey, KeyAuthenticator } from '@mesh-trace/auth';
import { createLogger, onSignals, runMain } from '@mesh-trace/config';
import { connectRedis, serviceRegistry } from '@mesh-trace/http';
import { connectClickHouse } from '@mesh-trace/storage';
import { loadConfig } from './config.js';
import { RedisLiveFeed } from './live/redis-live-feed.js';
import { startQuery } from './service.js';

const HELP = `mesh-trace-query — the query service (traces, search, services, topology on :4000)

Usage: mesh-trace-query [--help]

Configuration is read from the environment:
  MESH_TRACE_QUERY_HOST / MESH_TRACE_QUERY_PORT   listen address (0.0.0.0:4000)
  CLICKHOUSE_URL         (http://127.0.0.1:8123), CLICKHOUSE_USER, CLICKHOUSE_PASSWORD
  REDIS_URL              rate-limit counters, alert-rule write locks (redis://127.0.0.1:6379)
  MESH_TRACE_CURSOR_SECRET  signs pagination cursors (required when NODE_ENV=production; otherwise a
                         random per-process secret: cursors then only work on this process)
  MESH_TRACE_TRACE_MAX_SPANS  spans per trace response before windows (10000)
  MESH_TRACE_LIVE_HEARTBEAT_MS (15000), MESH_TRACE_LIVE_MAX_BUFFER_BYTES (1 MiB): agents' live streams
  MESH_TRACE_RATE_LIMIT_PER_MINUTE, MESH_TRACE_RETENTION_DAYS, MESH_TRACE_BOOTSTRAP_KEY, LOG_LEVEL
`;

runMain('query', HELP, async () => {
  const cfg = loadConfig(process.env);
  const logger = createLogger({ name: 'query', level: cfg.LOG_LEVEL });
  const ch = await connectClickHouse(cfg, logger);
  if (cfg.MESH_TRACE_BOOTSTRAP_KEY) await ensureKey(ch, cfg.MESH_TRACE_BOOTSTRAP_KEY);
  const redis = await connectRedis(cfg.REDIS_URL, logger);
  // One blocking Redis reader for every live client of this replica.
  const liveFeed = new RedisLiveFeed({ redis, logger });
  await liveFeed.start();
  let cursorSecret: string | Buffer | undefined = cfg.MESH_TRACE_CURSOR_SECRET;
  if (cursorSecret === undefined) {
    cursorSecret = randomBytes(32);
    logger.warn(
      { consequence: 'cursors are valid only on this process and until it restarts' },
      'cursor_secret_generated',
    );
  }
  const svc = await startQuery(
    {
      logger,
      registry: serviceRegistry('query'),
      ch,
      auth: new KeyAuthenticator({ ch }),
      rateLimitPerMinute: cfg.MESH_TRACE_RATE_LIMIT_PER_MINUTE,
      redis,
      cursorSecret,
      live: {
        feed: liveFeed,
        heartbeatMs: cfg.MESH_TRACE_LIVE_HEARTBEAT_MS,
        maxBufferBytes: cfg.MESH_TRACE_LIVE_MAX_BUFFER_BYTES,
      },
      traceMaxSpans: cfg.MESH_TRACE_TRACE_MAX_SPANS,
    },
    { host: cfg.MESH_TRACE_QUERY_HOST, port: cfg.MESH_TRACE_QUERY_PORT },
    { trustProxy: cfg.MESH_TRACE_TRUST_PROXY },
  );
  onSignals(async () => {
    // Live streams never end on their own: close them first, or the server waits for them forever.
    await liveFeed.stop();
    await svc.stop();
    redis.disconnect();
    await ch.close();
  }, logger);
});
