import { type KeyAuthenticator, requireAuth } from '@mesh-trace/auth';
import type { Logger } from '@mesh-trace/config';
import {
  createHttpApp,
  errorMiddleware,
  notFoundHandler,
  perKeyRateLimit,
  type Registry,
} from '@mesh-trace/http';
import type { ClickHouseClient } from '@mesh-trace/storage';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { CursorCodec } from './cursor.js';
import { registerApiKeys } from './routes/api-keys.js';
import { registerGetTopology } from './routes/get-topology.js';
import { registerGetTrace } from './routes/get-trace.js';
import { registerListServices } from './routes/list-services.js';
import { registerListTraces } from './routes/list-traces.js';
import { registerNodes } from './routes/nodes.js';
import { registerSearchTraces } from './routes/search-traces.js';

export interface QueryDeps {
  logger: Logger;
  registry: Registry;
  ch: ClickHouseClient;
  auth: KeyAuthenticator;
  rateLimitPerMinute: number;
  redis?: Redis;
  /**
   * Signs pagination cursors. Every replica behind one URL needs the same secret, or a cursor from
   * one replica is a 400 on another (main.ts requires it in production).
   */
  cursorSecret: string | Buffer;
  /** Spans per GET /v1/traces/:id response before the trace is returned in windows (default 10,000). */
  traceMaxSpans?: number;
}

export function createQueryApp(
  deps: QueryDeps,
  opts: { defaultMetrics?: boolean; trustProxy?: boolean | number | string } = {},
): Express {
  const app = createHttpApp({
    logger: deps.logger,
    registry: deps.registry,
    defaultMetrics: opts.defaultMetrics,
    trustProxy: opts.trustProxy,
    ready: async () => {
      const ok = (await deps.ch.ping()).success;
      return ok ? { ok } : { ok, reason: 'clickhouse unreachable' };
    },
  });
  const limit = perKeyRateLimit({
    defaultLimit: deps.rateLimitPerMinute,
    redis: deps.redis,
    registry: deps.registry,
    log: deps.logger,
  });
  const read = [requireAuth(deps.auth, 'read'), limit];
  const cursors = new CursorCodec(deps.cursorSecret);
  registerListTraces(app, deps, cursors, read);
  registerSearchTraces(app, deps, cursors, read);
  registerGetTrace(app, deps, cursors, read);
  registerListServices(app, deps, read);
  registerGetTopology(app, deps, read);
  registerApiKeys(app, deps, limit);
  registerNodes(app, deps, limit);
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
