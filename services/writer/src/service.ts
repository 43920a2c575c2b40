import type { Bus } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { createHttpApp, errorMiddleware, listen, notFoundHandler, type Registry } from '@mesh-trace/http';
import type { ClickHouseClient } from '@mesh-trace/storage';
import { Gauge } from 'prom-client';
import {
  createBatchHandler,
  type FlushSettings,
  type WriterMetrics,
  writerMetrics,
} from './batch-handler.js';
import { EdgeTracker } from './edge-tracker.js';

export interface WriterDeps {
  bus: Bus;
  ch: ClickHouseClient;
  logger: Logger;
  registry: Registry;
  topic: string;
  groupId: string;
  /** Defaults suit the embedded ClickHouse on 2 cores; see docs/operations.md. */
  flush?: Partial<WriterFlushSettings>;
  sessionTimeoutMs?: number;
}

export interface WriterFlushSettings extends FlushSettings {
  /** A fetch waits up to this long for `minFetchBytes`: the age bound of a batch. */
  maxWaitMs: number;
  minFetchBytes: number;
}

export const DEFAULT_FLUSH: WriterFlushSettings = {
  maxRows: 50_000,
  maxBytes: 16 * 1024 * 1024,
  maxWaitMs: 200,
  minFetchBytes: 256 * 1024,
  retryInitialMs: 200,
  retryMaxMs: 10_000,
};

export interface WriterHandle {
  metrics: WriterMetrics;
  /** Messages behind, summed over this member's partitions. */
  lag(): number;
  /** Finish the batch in hand, commit it, leave the group. */
  stop(): Promise<void>;
  health(): { ok: boolean };
  url?: string;
}

export async function startWriter(
  deps: WriterDeps,
  http?: { host: string; port: number; defaultMetrics?: boolean },
): Promise<WriterHandle> {
  const metrics = writerMetrics(deps.registry);
  const flush = { ...DEFAULT_FLUSH, ...deps.flush };
  const consumer = deps.bus.consumer({
    groupId: deps.groupId,
    topic: deps.topic,
    fromBeginning: true,
    minBytes: flush.minFetchBytes,
    maxWaitMs: flush.maxWaitMs,
    maxBytesPerPartition: flush.maxBytes,
    sessionTimeoutMs: deps.sessionTimeoutMs,
  });
  new Gauge({
    name: 'mesh_trace_writer_lag_messages',
    help: 'Messages behind the end of each partition, as of the last batch',
    labelNames: ['partition'] as const,
    registers: [deps.registry],
    collect() {
      for (const [p, lag] of consumer.lag()) this.set({ partition: String(p) }, lag);
    },
  });
  let stopping = false;
  await consumer.run(
    createBatchHandler({
      ch: deps.ch,
      producer: deps.bus.producer(),
      deadLetterTopic: `${deps.topic}.dlq`,
      groupId: deps.groupId,
      logger: deps.logger,
      metrics,
      edges: new EdgeTracker(),
      flush,
    }),
  );
  deps.logger.info({ topic: deps.topic, group: deps.groupId }, 'writer_consuming');
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  if (http) {
    const app = createHttpApp({
      logger: deps.logger,
      registry: deps.registry,
      defaultMetrics: http.defaultMetrics,
      ready: () => (stopping ? { ok: false, reason: 'stopping' } : deps.bus.health()),
    });
    app.use(notFoundHandler);
    app.use(errorMiddleware(deps.logger));
    server = await listen(app, http.port, http.host);
  }
  return {
    metrics,
    lag: () => [...consumer.lag().values()].reduce((a, b) => a + b, 0),
    url: server?.url,
    health: () => ({ ok: !stopping }),
    stop: async () => {
      stopping = true;
      await consumer.stop();
      await server?.close();
    },
  };
}
