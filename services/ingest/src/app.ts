import { type AuthContext, type KeyAuthenticator, requireAuth } from '@mesh-trace/auth';
import type { BusProducer } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { BaseError } from '@mesh-trace/errors';
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
import { Counter } from 'prom-client';
import type { AcceptedTraces } from './domain/accepted-traces.js';
import { registerPostBatch } from './routes/post-batch.js';
import { registerPostComplete } from './routes/post-complete.js';

export interface IngestSettings {
  maxBodyBytes: number;
  maxBatchItems: number;
  retentionDays: number;
  rateLimitPerMinute: number;
  /** Topic the batches are produced to. */
  topic: string;
}

export interface IngestDeps {
  cfg: IngestSettings;
  logger: Logger;
  registry: Registry;
  auth: KeyAuthenticator;
  producer: BusProducer;
  /** Absent in the all-in-one: rate-limit counters stay in process. */
  redis?: Redis;
  metrics: { accepted: Counter<'kind'> };
  accepted: AcceptedTraces;
  /** Key lookups and the /complete fallback when a trace is no longer in the accepted store. */
  ch: ClickHouseClient;
  isDraining: () => boolean;
}

export type { AuthContext };

export function ingestMetrics(registry: Registry): IngestDeps['metrics'] {
  return {
    accepted: new Counter({
      name: 'mesh_trace_ingest_accepted_total',
      help: 'Items accepted (acknowledged by the queue), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

export function createIngestApp(deps: IngestDeps, opts: { defaultMetrics?: boolean } = {}): Express {
  const app = createHttpApp({
    logger: deps.logger,
    registry: deps.registry,
    defaultMetrics: opts.defaultMetrics,
    ready: () =>
      deps.isDraining()
        ? { ok: false, reason: 'draining' }
        : deps.producer.connected()
          ? { ok: true }
          : { ok: false, reason: 'queue producer not connected' },
  });
  app.use((req, _res, next) => {
    // Draining: finish what is in flight, accept nothing new; a load balancer retries elsewhere.
    if (deps.isDraining() && req.method === 'POST') {
      next(new BaseError('draining', 'Service is draining', { retryAfterSeconds: 1 }));
      return;
    }
    next();
  });
  const guards = [
    requireAuth(deps.auth, 'ingest'),
    perKeyRateLimit({
      defaultLimit: deps.cfg.rateLimitPerMinute,
      redis: deps.redis,
      registry: deps.registry,
      log: deps.logger,
    }),
  ];
  registerPostBatch(app, deps, guards);
  registerPostComplete(app, deps, guards);
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
