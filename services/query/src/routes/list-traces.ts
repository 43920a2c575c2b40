import { nowNs } from '@mesh-trace/schema';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import type { CursorCodec } from '../cursor.js';
import { authOf, bound, HOUR_NS, ParamErrors, resolveRange } from '../params.js';
import {
  cursorParam,
  durationMsParam,
  intParam,
  parseQueryParams,
  statusParam,
  textParam,
  timestampParam,
} from '../query-params.js';
import { requestSignal, tracePage } from '../trace-pages.js';

export const LIST_LIMIT = { min: 1, max: 200, fallback: 50 };

export const listTracesQuery = z.object({
  service: textParam().describe('only traces with a span of this service'),
  start_time: timestampParam().describe('earliest trace start (default: now − 1 h, whatever end_time is)'),
  end_time: timestampParam().describe('latest trace start (default: now)'),
  min_duration_ms: durationMsParam().describe('minimum trace duration in milliseconds (up to 6 decimals)'),
  status: statusParam().describe('ok, error or unset (case-insensitive)'),
  limit: intParam(LIST_LIMIT).describe('page size, 1–200 (default 50)'),
  cursor: cursorParam().describe('next_cursor of the previous page'),
});

/** The validated parameters of GET /v1/traces; every bad one is a detail of one 400. */
export function parseListParams(query: Record<string, unknown>, now: bigint) {
  const q = parseQueryParams(listTracesQuery, query);
  const errors = new ParamErrors();
  const range = resolveRange(q.start_time, q.end_time, now, HOUR_NS, errors);
  errors.throwIfAny();
  return {
    service: q.service,
    start: q.start_time,
    end: q.end_time,
    minDurationNs: q.min_duration_ms,
    status: q.status,
    limit: q.limit,
    cursor: q.cursor,
    range,
  };
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
