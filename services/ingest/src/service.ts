import { listen } from '@mesh-trace/http';
import { createIngestApp, type IngestDeps } from './app.js';

export interface IngestHandle {
  url: string;
  port: number;
  /** Stops accepting, drains in-flight requests (each waits for its Kafka ack), then resolves. */
  stop(): Promise<void>;
  health(): { ok: boolean };
}

export async function startIngest(
  deps: Omit<IngestDeps, 'isDraining'>,
  listenOn: { host: string; port: number },
  opts: {
    defaultMetrics?: boolean;
    trustProxy?: boolean | number | string;
    drainedByOperator?: () => boolean;
  } = {},
): Promise<IngestHandle> {
  let draining = false;
  // Shutting down, or drained through POST /v1/nodes/:id/drain (read on each heartbeat).
  const isDraining = () => draining || (opts.drainedByOperator?.() ?? false);
  const app = createIngestApp({ ...deps, isDraining }, opts);
  const server = await listen(app, listenOn.port, listenOn.host);
  deps.logger.info({ url: server.url }, 'ingest_listening');
  return {
    url: server.url,
    port: server.port,
    health: () => ({ ok: !draining }),
    stop: async () => {
      draining = true;
      await server.close();
    },
  };
}
