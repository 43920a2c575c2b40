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
import { registerApiKeys } from './routes/api-keys.js';
import { registerGetTrace } from './routes/get-trace.js';

export interface QueryDeps {
  logger: Logger;
  registry: Registry;
  ch: ClickHouseClient;
  auth: KeyAuthenticator;
  rateLimitPerMinute: number;
  redis?: Redis;
}

export function createQueryApp(deps: QueryDeps, opts: { defaultMetrics?: boolean } = {}): Express {
  const app = createHttpApp({
    logger: deps.logger,
    registry: deps.registry,
    defaultMetrics: opts.defaultMetrics,
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
  registerGetTrace(app, deps, [requireAuth(deps.auth, 'read'), limit]);
  registerApiKeys(app, deps, limit);
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
