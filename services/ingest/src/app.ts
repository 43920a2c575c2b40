import { type AuthContext, type KeyAuthenticator, requireAuth } from '@mesh-trace/auth';
import type { BusProducer } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { BaseError } from '@mesh-trace/errors';
import {
  authFailureRateLimit,
  createHttpApp,
  errorMiddleware,
  notFoundHandler,
  perKeyRateLimit,
  type Registry,
} from '@mesh-trace/http';
import type { ClickHouseClient } from '@mesh-trace/storage';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { Counter, Histogram } from 'prom-client';
import type { AcceptedTraces } from './domain/accepted-traces.js';
import type { BatchDecoder } from './domain/decode-pool.js';
import { inflightBytesGuard } from './domain/inflight-guard.js';
import type { LivePublisher } from './domain/live-publisher.js';
import { registerPostBatch } from './routes/post-batch.js';
import { registerPostComplete } from './routes/post-complete.js';
import { registerPostOtlp } from './routes/post-otlp.js';
import { registerPostZipkin } from './routes/post-zipkin.js';

export interface IngestSettings {
  maxBodyBytes: number;
  maxBatchItems: number;
  retentionDays: number;
  rateLimitPerMinute: number;
  /** Failed authentications per client address per minute before 429. */
  authFailuresPerMinute: number;
  /** Request bytes held at once; beyond it ingest answers 503 instead of growing its heap. */
  maxInflightBytes: number;
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
  metrics: IngestMetrics;
  accepted: AcceptedTraces;
  /** Key lookups and the /complete fallback when a trace is no longer in the accepted store. */
  ch: ClickHouseClient;
  isDraining: () => boolean;
  /** Agents' live streams (GET /v1/agents/:id/live on query); absent: nothing is published. */
  live?: LivePublisher;
  /** Where batch bodies are parsed, validated and encoded; absent: on the request thread. */
  decoder?: BatchDecoder;
}

export type { AuthContext };

export interface IngestMetrics {
  accepted: Counter<'kind'>;
  batchItems: Histogram;
  produceSeconds: Histogram;
  rejected: Counter<'code'>;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  return {
    accepted: new Counter({
      name: 'mesh_trace_ingest_accepted_total',
      help: 'Items accepted (acknowledged by the queue), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    batchItems: new Histogram({
      name: 'mesh_trace_ingest_batch_items',
      help: 'Items (traces + spans + events) per accepted batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'mesh_trace_ingest_produce_seconds',
      help: 'Time from produce to queue acknowledgement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'mesh_trace_ingest_rejected_total',
      help: 'Requests answered with an error, by code (rate_limited, validation_failed, ...)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
  };
}

export function createIngestApp(
  deps: IngestDeps,
  opts: { defaultMetrics?: boolean; trustProxy?: boolean | number | string } = {},
): Express {
  const app = createHttpApp({
    logger: deps.logger,
    registry: deps.registry,
    defaultMetrics: opts.defaultMetrics,
    trustProxy: opts.trustProxy,
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
  const limitOpts = { redis: deps.redis, registry: deps.registry, log: deps.logger };
  const authFailures = authFailureRateLimit({ ...limitOpts, defaultLimit: deps.cfg.authFailuresPerMinute });
  const guards = [
    inflightBytesGuard(deps.cfg.maxInflightBytes, deps.cfg.maxBodyBytes),
    authFailures.guard,
    requireAuth(deps.auth, 'ingest'),
    authFailures.verified,
    perKeyRateLimit({
      defaultLimit: deps.cfg.rateLimitPerMinute,
      redis: deps.redis,
      registry: deps.registry,
      log: deps.logger,
    }),
  ];
  registerPostBatch(app, deps, guards);
  registerPostComplete(app, deps, guards);
  registerPostOtlp(app, deps, guards);
  registerPostZipkin(app, deps, guards);
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger, (code) => deps.metrics.rejected.inc({ code })));
  return app;
}
