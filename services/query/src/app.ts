import { type KeyAuthenticator, requireAuth } from '@mesh-trace/auth';
import type { Logger } from '@mesh-trace/config';
import {
  createHttpApp,
  errorMiddleware,
  notFoundHandler,
  perKeyRateLimit,
  type Registry,
} from '@mesh-trace/http';
import type { ClickHouseClient, LeaseStore } from '@mesh-trace/storage';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { CursorCodec } from './cursor.js';
import { type LiveRouteOptions, registerAgentLive } from './routes/agent-live.js';
import { registerAlertEvents } from './routes/alerts-events.js';
import { registerAlertRules } from './routes/alerts-rules.js';
import { registerApiKeys } from './routes/api-keys.js';
import { registerGetTopology } from './routes/get-topology.js';
import { registerGetTrace } from './routes/get-trace.js';
import { registerListServices } from './routes/list-services.js';
import { registerListTraces } from './routes/list-traces.js';
import { registerNodes } from './routes/nodes.js';
import { registerSearchTraces } from './routes/search-traces.js';
import { registerUi } from './ui-static.js';

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
  /** The built web UI served at `/` (default: the dist of @mesh-trace/ui); false: none. */
  uiDir?: string | false;
  /** Agents' live streams (GET /v1/agents/:id/live); absent: the route is not served. */
  live?: LiveRouteOptions;
  /** Spans per GET /v1/traces/:id response before the trace is returned in windows (default 10,000). */
  traceMaxSpans?: number;
  /** Serialises alert-rule writes per org/env; defaults to Redis when given, else in-process. */
  leases?: LeaseStore;
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
  if (deps.live) registerAgentLive(app, deps, deps.live, read);
  registerAlertRules(app, deps, limit);
  registerAlertEvents(app, deps, cursors, read);
  // After every API route, so the UI's history-routing fallback never shadows one.
  registerUi(app, { dir: deps.uiDir, logger: deps.logger });
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
