import { ForbiddenError, NotFoundError, ValidationError } from '@mesh-trace/errors';
import { jsonBody, parseOrThrow } from '@mesh-trace/http';
import { completeSchema, encodeCompletion, nowNs, TRACE_ID } from '@mesh-trace/schema';
import { traceOwner } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';

/**
 * POST /v1/traces/:id/complete (API.md §5). The trace must have been accepted for this org/env (and
 * agent, for agent-bound keys): known from the accepted-trace store while its batch may still be
 * queued, else from ClickHouse. The completion travels through the queue like spans, so storage
 * sees one ordered stream per trace; the latest completion (by ingest time) wins.
 */
export function registerPostComplete(app: Express, deps: IngestDeps, guards: RequestHandler[]): void {
  app.post(
    '/v1/traces/:trace_id/complete',
    ...guards,
    ...jsonBody({ limitBytes: deps.cfg.maxBodyBytes }),
    async (req, res) => {
      const auth = req.auth;
      if (!auth) throw new ForbiddenError('not authenticated');
      const traceId = String(req.params.trace_id).toLowerCase();
      if (!TRACE_ID.test(traceId)) {
        throw new ValidationError(
          'trace_id must be 32 hex characters',
          [{ path: 'trace_id', message: 'must be 32 hex characters' }],
          'invalid_request',
        );
      }
      const body = parseOrThrow(completeSchema, req.body, 'Invalid completion');
      let owner = await deps.accepted.owner(auth, traceId).catch(() => undefined);
      if (owner === undefined) {
        const stored = await traceOwner(deps.ch, { org_id: auth.org_id, env: auth.env, trace_id: traceId });
        if (!stored.exists) throw new NotFoundError('Trace not found');
        owner = stored.agent_id ?? '';
      }
      // An agent-bound key may only complete its own agent's traces; a foreign one looks absent.
      if (auth.agent_id && owner !== auth.agent_id) throw new NotFoundError('Trace not found');
      const receivedNs = nowNs();
      await deps.producer.send(deps.cfg.topic, [encodeCompletion(traceId, body, auth, receivedNs)]);
      deps.live?.publishCompletion(auth, traceId, owner, body, receivedNs);
      res.status(200).json({ trace_id: traceId, status: body.status });
    },
  );
}
