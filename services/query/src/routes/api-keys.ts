import { KeyService, requireAuth, SCOPES } from '@mesh-trace/auth';
import { ForbiddenError } from '@mesh-trace/errors';
import { jsonBody, parseOrThrow } from '@mesh-trace/http';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';

export const createKeySchema = z.object({
  name: z.string().max(256).optional(),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  /** Defaults to the calling key's environment. */
  env: z.enum(['live', 'sandbox']).optional(),
  agent_id: z.string().min(1).max(256).optional(),
  rate_limit_per_minute: z.number().int().min(1).max(10_000).optional(),
});

/** Key management (API.md §3), scope `admin`, always within the caller's organisation. */
export function registerApiKeys(app: Express, deps: QueryDeps, limit: RequestHandler): void {
  const keys = new KeyService(deps.ch);
  const admin = [requireAuth(deps.auth, 'admin'), limit];
  const org = (req: Express['request']) => {
    if (!req.auth) throw new ForbiddenError('not authenticated');
    return req.auth;
  };

  app.post('/v1/api-keys', ...admin, ...jsonBody({ limitBytes: 64 * 1024 }), async (req, res) => {
    const auth = org(req);
    const body = parseOrThrow(createKeySchema, req.body, 'Invalid API key request');
    const created = await keys.create({ ...body, org_id: auth.org_id, env: body.env ?? auth.env });
    res.status(201).json(created);
  });

  app.get('/v1/api-keys', ...admin, async (req, res) => {
    res.json({ data: await keys.list(org(req).org_id) });
  });

  app.delete('/v1/api-keys/:id', ...admin, async (req, res) => {
    res.json(await keys.revoke(org(req).org_id, String(req.params.id)));
  });

  app.post('/v1/api-keys/:id/rotate', ...admin, async (req, res) => {
    res.status(201).json(await keys.rotate(org(req).org_id, String(req.params.id)));
  });
}
