import { ForbiddenError } from '@mesh-trace/errors';
import { jsonBody, requestIdOf } from '@mesh-trace/http';
import { parseBatch } from '@mesh-trace/schema';
import type { Express, RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';
import { acceptBatch } from '../domain/accept-batch.js';

/** POST /v1/traces/batch — 202 only after the queue acknowledged every record (API.md §5). */
export function registerPostBatch(app: Express, deps: IngestDeps, guards: RequestHandler[]): void {
  const retentionNs = BigInt(deps.cfg.retentionDays) * 86_400_000_000_000n;
  app.post(
    '/v1/traces/batch',
    ...guards,
    ...jsonBody({ limitBytes: deps.cfg.maxBodyBytes }),
    async (req, res) => {
      const auth = req.auth;
      if (!auth) throw new ForbiddenError('not authenticated');
      const batch = parseBatch(req.body, { maxItems: deps.cfg.maxBatchItems, retentionNs });
      await acceptBatch(deps, auth, batch);
      res.status(202).json({
        accepted: { traces: batch.traces.length, spans: batch.spans.length, events: batch.events.length },
        request_id: requestIdOf(req),
      });
    },
  );
}
