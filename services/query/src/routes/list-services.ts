import { nowNs } from '@mesh-trace/schema';
import { listServices } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import { authOf, HOUR_NS, ParamErrors, resolveRange } from '../params.js';
import { parseQueryParams, timestampParam } from '../query-params.js';
import { requestSignal, withStorage } from '../trace-pages.js';

export const servicesQuery = z.object({
  start_time: timestampParam().describe('range start (default: now − 24 h, whatever end_time is)'),
  end_time: timestampParam().describe('range end (default: now)'),
});

/** The validated range of GET /v1/services: default the last 24 hours. */
export function parseServicesParams(query: Record<string, unknown>, now: bigint) {
  const q = parseQueryParams(servicesQuery, query);
  const errors = new ParamErrors();
  const range = resolveRange(q.start_time, q.end_time, now, 24n * HOUR_NS, errors);
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
