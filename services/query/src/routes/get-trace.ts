import { NotFoundError, ValidationError } from '@mesh-trace/errors';
import { TRACE_ID } from '@mesh-trace/schema';
import { getTrace, type SpanPosition } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import { badCursor, type CursorCodec } from '../cursor.js';
import { cursorParam, intParam, parseQueryParams } from '../query-params.js';

export const DEFAULT_TRACE_MAX_SPANS = 10_000;

const windowCursor = z.object({
  k: z.literal('spans'),
  org: z.string(),
  env: z.string(),
  trace: z.string(),
  start: z.string().regex(/^\d{1,20}$/),
  span: z.string().max(64),
});

/** `limit` and `cursor` of GET /v1/traces/:trace_id, bounded by the per-response span maximum. */
export const traceQuery = (maxSpans: number) =>
  z.object({
    limit: intParam({ min: 1, max: maxSpans, fallback: maxSpans }).describe(
      `spans per response, 1–${maxSpans} (the configured maximum, also the default)`,
    ),
    cursor: cursorParam().describe('next_cursor of the previous window of this trace'),
  });

/**
 * GET /v1/traces/:trace_id — the trace with every span, its events and agent events.
 *
 * A trace with more spans than `limit` (default and maximum: the configured per-response bound) comes
 * in windows: `spans` holds the first `limit` spans in start order and `next_cursor` fetches the next
 * window. Summary fields (span_count, services, status…) always describe the whole trace.
 */
export function registerGetTrace(
  app: Express,
  deps: QueryDeps,
  cursors: CursorCodec,
  guards: RequestHandler[],
): void {
  const query = traceQuery(deps.traceMaxSpans ?? DEFAULT_TRACE_MAX_SPANS);
  app.get('/v1/traces/:trace_id', ...guards, async (req, res) => {
    const raw = String(req.params.trace_id);
    const traceId = raw.toLowerCase();
    if (!TRACE_ID.test(traceId))
      throw new ValidationError(
        'trace_id must be 32 hex characters',
        [{ path: 'trace_id', message: 'must be 32 hex characters' }],
        'invalid_request',
      );
    const { limit, cursor } = parseQueryParams(query, req.query);
    const auth = req.auth;
    if (!auth) throw new NotFoundError('Trace not found');
    let after: SpanPosition | undefined;
    if (cursor !== undefined) {
      const c = cursors.open(cursor, windowCursor);
      if (c.org !== auth.org_id || c.env !== auth.env || c.trace !== traceId)
        throw badCursor('the cursor belongs to another trace, organisation or environment');
      after = { start_ns: BigInt(c.start), span_id: c.span };
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const trace = await getTrace(
      deps.ch,
      { org_id: auth.org_id, env: auth.env, trace_id: traceId, signal: abort.signal },
      { limit, after },
    );
    if (!trace) throw new NotFoundError('Trace not found');
    const { spans_after, ...body } = trace;
    const next = spans_after
      ? cursors.seal({
          k: 'spans',
          org: auth.org_id,
          env: auth.env,
          trace: traceId,
          start: spans_after.start_ns.toString(),
          span: spans_after.span_id,
        })
      : null;
    res.json({ ...body, next_cursor: next });
  });
}
