import { listAlertEvents } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import type { CursorBinding, CursorCodec } from '../cursor.js';
import { authOf, bound } from '../params.js';
import { cursorParam, enumParam, intParam, parseQueryParams, textParam } from '../query-params.js';

export const alertEventsQuery = z.object({
  rule_id: textParam(128).describe('only transitions of this rule'),
  state: enumParam(['firing', 'resolved']).optional().describe('firing or resolved'),
  limit: intParam({ min: 1, max: 200, fallback: 50 }).describe('page size, 1–200 (default 50)'),
  cursor: cursorParam().describe('next_cursor of the previous page'),
});

/**
 * GET /v1/alerts/events: transitions (firing, resolved) newest first, each with the delivery record of
 * every channel. `rule_id`, `state`, `limit` (1–200, default 50), `cursor`. Pages are keyed by (time,
 * event id), so transitions recorded after the first page never shift later pages.
 */
export function registerAlertEvents(
  app: Express,
  deps: QueryDeps,
  cursors: CursorCodec,
  read: RequestHandler[],
): void {
  app.get('/v1/alerts/events', ...read, async (req, res) => {
    const auth = authOf(req);
    const q = parseQueryParams(alertEventsQuery, req.query);
    const { rule_id: ruleId, state, limit, cursor } = q;
    const binding: CursorBinding = {
      kind: 'list',
      org_id: auth.org_id,
      env: auth.env,
      filters: { resource: 'alert_events', rule_id: bound(ruleId), state: bound(state) },
    };
    const after = cursor === undefined ? undefined : cursors.decode(cursor, binding);
    const data = await listAlertEvents(deps.ch, {
      org_id: auth.org_id,
      env: auth.env,
      rule_id: ruleId,
      state,
      limit,
      after: after && { at: Number(after.lastStart), id: after.lastTraceId },
    });
    const last = data.length === limit ? data[data.length - 1] : undefined;
    res.json({
      data,
      next_cursor: last
        ? cursors.encode(
            {
              from: 0n,
              snapshotEnd: 0n,
              storedBeforeMs: 0n,
              lastStart: BigInt(Date.parse(last.at)),
              lastTraceId: last.id,
            },
            binding,
          )
        : null,
    });
  });
}
