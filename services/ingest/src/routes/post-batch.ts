import { ForbiddenError } from '@mesh-trace/errors';
import { jsonBytesBody, requestIdOf } from '@mesh-trace/http';
import type { Express, RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';
import { acceptPrepared, batchLimits } from '../domain/accept-batch.js';
import { inlineDecoder } from '../domain/decode-pool.js';

/** POST /v1/traces/batch — 202 only after the queue acknowledged every record (API.md §5). */
export function registerPostBatch(app: Express, deps: IngestDeps, guards: RequestHandler[]): void {
  const limits = batchLimits(deps.cfg);
  const decoder = deps.decoder ?? inlineDecoder;
  app.post(
    '/v1/traces/batch',
    ...guards,
    ...jsonBytesBody({ limitBytes: deps.cfg.maxBodyBytes }),
    async (req, res) => {
      const auth = req.auth;
      if (!auth) throw new ForbiddenError('not authenticated');
      const body: unknown = req.body;
      // The bytes may move to a decode thread: nothing reads req.body after this.
      req.body = undefined;
      const bytes = body instanceof Uint8Array ? body : undefined;
      const prepared = await decoder.decode(bytes, auth, limits, { liveEntries: deps.live !== undefined });
      await acceptPrepared(deps, auth, prepared);
      const { traces, spans, events } = prepared.counts;
      res.status(202).json({ accepted: { traces, spans, events }, request_id: requestIdOf(req) });
    },
  );
}
