import { listAlertEvents } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import type { CursorBinding, CursorCodec } from '../cursor.js';
import { authOf, bound, intParam, ParamErrors, single, textParam } from '../params.js';

const STATES = ['firing', 'resolved'] as const;

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
    const errors = new ParamErrors();
    const query = req.query as Record<string, unknown>;
    const ruleId = textParam(query, 'rule_id', errors, 128);
    const stateText = single(query, 'state', errors);
    const state = STATES.find((s) => s === stateText);
    if (stateText !== undefined && state === undefined)
      errors.add('state', `must be one of ${STATES.join(', ')}`);
    const limit = intParam(query, 'limit', errors, { min: 1, max: 200, fallback: 50 });
    const cursor = single(query, 'cursor', errors);
    errors.throwIfAny();
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
