import { ForbiddenError, ValidationError } from '@mesh-trace/errors';
import { jsonBody, requestIdOf } from '@mesh-trace/http';
import type { Express, RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';
import { acceptSpans } from '../domain/accept-batch.js';
import { zipkinToCandidates } from '../domain/zipkin-mapping.js';

/**
 * POST /api/v2/spans — the Zipkin v2 JSON span API, so Zipkin-instrumented services send unchanged.
 * 202 once the valid spans are durably queued; invalid spans are reported in `rejected` (Zipkin
 * reporters ignore the body), and a request with no valid span at all is a 400.
 */
export function registerPostZipkin(app: Express, deps: IngestDeps, guards: RequestHandler[]): void {
  app.post(
    '/api/v2/spans',
    ...guards,
    ...jsonBody({ limitBytes: deps.cfg.maxBodyBytes }),
    async (req, res) => {
      const auth = req.auth;
      if (!auth) throw new ForbiddenError('not authenticated');
      const candidates = zipkinToCandidates(req.body);
      const { batch, problems, rejected } = await acceptSpans(deps, auth, candidates);
      if (rejected > 0 && batch.spans.length === 0) throw new ValidationError('No valid span', problems);
      res.status(202).json({
        accepted: { traces: 0, spans: batch.spans.length, events: 0 },
        ...(rejected ? { rejected: { spans: rejected, details: problems } } : {}),
        request_id: requestIdOf(req),
      });
    },
  );
}
