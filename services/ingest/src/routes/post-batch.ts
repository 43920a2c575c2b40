import { ForbiddenError } from '@mesh-trace/errors';
import { jsonBody, requestIdOf } from '@mesh-trace/http';
import { encodeTraceMessages, nowNs, parseBatch } from '@mesh-trace/schema';
import type { Express, RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';
import { assertOwnTraces, rememberAccepted } from '../domain/remember-accepted.js';

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
      if (auth.agent_id) await assertOwnTraces(deps, auth, batch);
      const records = encodeTraceMessages(batch, auth, nowNs());
      const endTimer = deps.metrics.produceSeconds.startTimer();
      await deps.producer.send(deps.cfg.topic, records);
      endTimer();
      deps.metrics.batchItems.observe(batch.traces.length + batch.spans.length + batch.events.length);
      await rememberAccepted(deps, auth, batch);
      deps.metrics.accepted.inc({ kind: 'spans' }, batch.spans.length);
      deps.metrics.accepted.inc({ kind: 'traces' }, batch.traces.length);
      deps.metrics.accepted.inc({ kind: 'events' }, batch.events.length);
      res.status(202).json({
        accepted: { traces: batch.traces.length, spans: batch.spans.length, events: batch.events.length },
        request_id: requestIdOf(req),
      });
    },
  );
}
