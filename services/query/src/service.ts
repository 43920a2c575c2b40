import { listen } from '@mesh-trace/http';
import { createQueryApp, type QueryDeps } from './app.js';

export interface QueryHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  health(): { ok: boolean };
}

export async function startQuery(
  deps: QueryDeps,
  listenOn: { host: string; port: number },
  opts: { defaultMetrics?: boolean; trustProxy?: boolean | number | string } = {},
): Promise<QueryHandle> {
  const server = await listen(createQueryApp(deps, opts), listenOn.port, listenOn.host);
  deps.logger.info({ url: server.url }, 'query_listening');
  let stopping = false;
  return {
    url: server.url,
    port: server.port,
    health: () => ({ ok: !stopping }),
    stop: async () => {
      stopping = true;
      await server.close();
    },
  };
}
