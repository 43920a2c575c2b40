import { nowNs } from '@mesh-trace/schema';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import type { CursorCodec } from '../cursor.js';
import {
  authOf,
  bound,
  durationMsParam,
  HOUR_NS,
  intParam,
  ParamErrors,
  resolveRange,
  single,
  statusParam,
  textParam,
  timestampParam,
} from '../params.js';
import { requestSignal, tracePage } from '../trace-pages.js';

export const LIST_LIMIT = { min: 1, max: 200, fallback: 50 };

/** The validated parameters of GET /v1/traces; every bad one is a detail of one 400. */
export function parseListParams(query: Record<string, unknown>, now: bigint) {
  const errors = new ParamErrors();
  const service = textParam(query, 'service', errors);
  const start = timestampParam(query, 'start_time', errors);
  const end = timestampParam(query, 'end_time', errors);
  const minDurationNs = durationMsParam(query, 'min_duration_ms', errors);
  const status = statusParam(query, 'status', errors);
  const limit = intParam(query, 'limit', errors, LIST_LIMIT);
  const cursor = single(query, 'cursor', errors);
  const range = resolveRange(start, end, now, HOUR_NS, errors);
  errors.throwIfAny();
  return { service, start, end, minDurationNs, status, limit, cursor, range };
}

/** GET /v1/traces — trace summaries, newest first, with keyset cursors (docs/api.md). */
export function registerListTraces(
  app: Express,
  deps: QueryDeps,
  cursors: CursorCodec,
  guards: RequestHandler[],
): void {
  app.get('/v1/traces', ...guards, async (req, res) => {
    const auth = authOf(req);
    const now = nowNs();
    const p = parseListParams(req.query as Record<string, unknown>, now);
    res.json(
      await tracePage(deps, cursors, {
        auth,
        binding: {
          kind: 'list',
          org_id: auth.org_id,
          env: auth.env,
          filters: {
            service: bound(p.service),
            status: bound(p.status),
            min_duration_ns: bound(p.minDurationNs),
            start_time: bound(p.start),
            end_time: bound(p.end),
          },
        },
        cursor: p.cursor,
        range: p.range,
        now,
        limit: p.limit,
        filters: { service: p.service, minDurationNs: p.minDurationNs, status: p.status },
        signal: requestSignal(res),
      }),
    );
  });
}
