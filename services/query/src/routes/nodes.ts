import { requireAuth } from '@mesh-trace/auth';
import { NotFoundError } from '@mesh-trace/errors';
import { listNodes, setDraining } from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';

/**
 * Collector nodes (ingest and writer instances). Nodes are infrastructure shared by every
 * organisation and carry no tenant data, so any key with `read` sees them; draining needs `admin`.
 * A drained ingest node reads its flag on its next heartbeat (≤ 5 s) and turns /readyz to 503.
 */
export function registerNodes(app: Express, deps: QueryDeps, limit: RequestHandler): void {
  const read = [requireAuth(deps.auth, 'read'), limit];
  const admin = [requireAuth(deps.auth, 'admin'), limit];
  const one = async (id: string) => {
    const [node] = await listNodes(deps.ch, id);
    if (!node) throw new NotFoundError('Node not found');
    return node;
  };

  app.get('/v1/nodes', ...read, async (_req, res) => {
    res.json({ data: await listNodes(deps.ch) });
  });
  app.get('/v1/nodes/:node_id', ...read, async (req, res) => {
    res.json(await one(String(req.params.node_id)));
  });
  for (const [action, draining] of [
    ['drain', true],
    ['resume', false],
  ] as const) {
    app.post(`/v1/nodes/:node_id/${action}`, ...admin, async (req, res) => {
      const node = await one(String(req.params.node_id));
      await setDraining(deps.ch, node.node_id, draining);
      res.json({ ...node, draining });
    });
  }
}
