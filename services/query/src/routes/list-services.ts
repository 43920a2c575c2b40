import { nowNs } from '@mesh-trace/schema';
import { listServices } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import { authOf, HOUR_NS, ParamErrors, resolveRange, timestampParam } from '../params.js';
import { requestSignal, withStorage } from '../trace-pages.js';

/** The validated range of GET /v1/services: default the last 24 hours. */
export function parseServicesParams(query: Record<string, unknown>, now: bigint) {
  const errors = new ParamErrors();
  const start = timestampParam(query, 'start_time', errors);
  const end = timestampParam(query, 'end_time', errors);
  const range = resolveRange(start, end, now, 24n * HOUR_NS, errors);
  errors.throwIfAny();
  return range;
}

/** GET /v1/services — services seen in a range, from the per-minute rollups. */
export function registerListServices(app: Express, deps: QueryDeps, guards: RequestHandler[]): void {
  app.get('/v1/services', ...guards, async (req, res) => {
    const auth = authOf(req);
    const range = parseServicesParams(req.query as Record<string, unknown>, nowNs());
    const data = await withStorage(() =>
      listServices(deps.ch, { org_id: auth.org_id, env: auth.env, ...range, signal: requestSignal(res) }),
    );
    res.json({ data });
  });
}
