import type { Bus } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { createHttpApp, errorMiddleware, listen, notFoundHandler, type Registry } from '@mesh-trace/http';
import type { ClickHouseClient } from '@mesh-trace/storage';
import { Gauge } from 'prom-client';
import { createBatchHandler, writerMetrics } from './batch-handler.js';

export interface WriterDeps {
  bus: Bus;
  ch: ClickHouseClient;
  logger: Logger;
  registry: Registry;
  topic: string;
  groupId: string;
}

export interface WriterHandle {
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
  const consumer = deps.bus.consumer({ groupId: deps.groupId, topic: deps.topic, fromBeginning: true });
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
      logger: deps.logger,
      metrics,
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
    url: server?.url,
    health: () => ({ ok: !stopping }),
    stop: async () => {
      stopping = true;
      await consumer.stop();
      await server?.close();
    },
  };
}
