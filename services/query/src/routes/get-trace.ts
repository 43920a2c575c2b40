import { NotFoundError, ValidationError } from '@mesh-trace/errors';
import { TRACE_ID } from '@mesh-trace/schema';
import { getTrace } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';

/** GET /v1/traces/:trace_id — the trace with every span, its events and agent events. */
export function registerGetTrace(app: Express, deps: QueryDeps, guards: RequestHandler[]): void {
  app.get('/v1/traces/:trace_id', ...guards, async (req, res) => {
    const raw = String(req.params.trace_id);
    const traceId = raw.toLowerCase();
    if (!TRACE_ID.test(traceId)) {
      throw new ValidationError(
        'trace_id must be 32 hex characters',
        [{ path: 'trace_id', message: 'must be 32 hex characters' }],
        'invalid_request',
      );
    }
    const auth = req.auth;
    if (!auth) throw new NotFoundError('Trace not found');
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const trace = await getTrace(deps.ch, {
      org_id: auth.org_id,
      env: auth.env,
      trace_id: traceId,
      signal: abort.signal,
    });
    if (!trace) throw new NotFoundError('Trace not found');
    res.json(trace);
  });
}
