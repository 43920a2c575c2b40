import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

// Ingest and writer instances register as collector nodes; an operator can drain an ingest node.
describe('collector nodes', () => {
  let pipe: Pipeline;
  let ingestNode: string;
  let writerNode: string;
  let admin: string;
  let reader: string;
  let ingestUrl: string;
  let queryUrl: string;

  beforeAll(async () => {
    const id = Math.random().toString(16).slice(2, 10);
    ingestNode = `ingest-e2e-${id}`;
    writerNode = `writer-e2e-${id}`;
    pipe = await startPipeline(
      ['ingest', 'writer', 'query'],
      { MESH_TRACE_CLUSTER: 'eu-1' },
      {
        ingest: { MESH_TRACE_NODE_ID: ingestNode },
        writer: { MESH_TRACE_NODE_ID: writerNode },
      },
    );
    ({ ingestUrl, queryUrl } = pipe);
    admin = await pipe.key(['admin']);
    reader = await pipe.key(['read']);
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  const api = (path: string, key: string, method = 'GET') =>
    fetch(`${queryUrl}${path}`, { method, headers: { authorization: `Bearer ${key}` } });

  it('lists ingest and writer nodes with their heartbeat and status', async () => {
    const nodes = await waitFor('both nodes registered', async () => {
      const body = (await (await api('/v1/nodes', reader)).json()) as { data: { node_id: string }[] };
      const mine = body.data.filter((n) => n.node_id === ingestNode || n.node_id === writerNode);
      return mine.length === 2 ? mine : undefined;
    });
    expect(nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          node_id: ingestNode,
          role: 'ingest',
          cluster: 'eu-1',
          status: 'ok',
          draining: false,
        }),
        expect.objectContaining({ node_id: writerNode, role: 'writer', status: 'ok' }),
      ]),
    );
    const one = (await (await api(`/v1/nodes/${writerNode}`, reader)).json()) as {
      heartbeat_age_s: number;
      stats: object;
    };
    expect(one.heartbeat_age_s).toBeLessThan(15);
    expect(one.stats).toHaveProperty('kafka_lag');
    expect((await api('/v1/nodes/nope', reader)).status).toBe(404);
  });

  it('drains an ingest node: its /readyz turns 503 within 5 s, and resume brings it back', async () => {
    expect((await api(`/v1/nodes/${ingestNode}/drain`, reader, 'POST')).status).toBe(403);
    const drained = await api(`/v1/nodes/${ingestNode}/drain`, admin, 'POST');
    expect(drained.status).toBe(200);
    expect(await drained.json()).toMatchObject({ node_id: ingestNode, draining: true });
    await waitFor(
      'ingest not ready',
      async () => ((await fetch(`${ingestUrl}/readyz`)).status === 503 ? true : undefined),
      {
        timeoutMs: 5_500,
        intervalMs: 200,
      },
    );
    expect((await api(`/v1/nodes/${ingestNode}/resume`, admin, 'POST')).status).toBe(200);
    await waitFor(
      'ingest ready again',
      async () => ((await fetch(`${ingestUrl}/readyz`)).status === 200 ? true : undefined),
      {
        timeoutMs: 5_500,
        intervalMs: 200,
      },
    );
  });
});
