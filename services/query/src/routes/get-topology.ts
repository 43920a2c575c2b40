import { nowNs } from '@mesh-trace/schema';
import { getTopology } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import { authOf, HOUR_NS } from '../params.js';
import { enumParam, parseQueryParams, textParam } from '../query-params.js';
import { requestSignal, withStorage } from '../trace-pages.js';

export const TIME_WINDOWS = { '1h': HOUR_NS, '6h': 6n * HOUR_NS, '24h': 24n * HOUR_NS } as const;

export const topologyQuery = z.object({
  cluster: textParam().describe('only spans whose resource k8s.cluster.name or cluster is this'),
  time_window: enumParam(['1h', '6h', '24h']).default('1h').describe('1h, 6h or 24h (default 1h)'),
});

/** `cluster` (optional, matches resource k8s.cluster.name or cluster) and `time_window` (default 1h). */
export function parseTopologyParams(query: Record<string, unknown>) {
  const q = parseQueryParams(topologyQuery, query);
  return { cluster: q.cluster, windowNs: TIME_WINDOWS[q.time_window] };
}

/** GET /v1/topology — the service dependency graph of the last hour(s). */
export function registerGetTopology(app: Express, deps: QueryDeps, guards: RequestHandler[]): void {
  app.get('/v1/topology', ...guards, async (req, res) => {
    const auth = authOf(req);
    const p = parseTopologyParams(req.query as Record<string, unknown>);
    const now = nowNs();
    res.json(
      await withStorage(() =>
        getTopology(deps.ch, {
          org_id: auth.org_id,
          env: auth.env,
          from: now - p.windowNs,
          to: now,
          cluster: p.cluster,
          signal: requestSignal(res),
        }),
      ),
    );
  });
}
