import { nowNs } from '@mesh-trace/schema';
import { getTopology } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import { authOf, HOUR_NS, ParamErrors, single, textParam } from '../params.js';
import { requestSignal, withStorage } from '../trace-pages.js';

export const TIME_WINDOWS = { '1h': HOUR_NS, '6h': 6n * HOUR_NS, '24h': 24n * HOUR_NS } as const;
type TimeWindow = keyof typeof TIME_WINDOWS;

/** `cluster` (optional, matches resource k8s.cluster.name or cluster) and `time_window` (default 1h). */
export function parseTopologyParams(query: Record<string, unknown>) {
  const errors = new ParamErrors();
  const cluster = textParam(query, 'cluster', errors);
  const raw = single(query, 'time_window', errors) ?? '1h';
  const window = Object.hasOwn(TIME_WINDOWS, raw) ? (raw as TimeWindow) : undefined;
  if (window === undefined) errors.add('time_window', 'must be one of 1h, 6h, 24h');
  errors.throwIfAny();
  return { cluster, windowNs: TIME_WINDOWS[window ?? '1h'] };
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
