import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllInOneProcess, spawnAllInOne } from './all-in-one-process.js';
import { randomSpanId, randomTraceId } from './fixtures.js';
import { waitFor } from './wait-for.js';

// The all-in-one runs the alert evaluator in process: a rule created on :4000 fires from spans
// posted to :4001, with no Redis and no separate alerter.
describe('all-in-one: alerts', () => {
  let aio: AllInOneProcess | undefined;
  let receiver: Server;
  const hooks: Record<string, unknown>[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      req.on('end', () => {
        hooks.push(JSON.parse(raw) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    aio = await spawnAllInOne({
      MESH_TRACE_ALERTS_INTERVAL_MS: '500',
      MESH_TRACE_ALERTS_ALLOW_HOSTS: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await aio?.stop();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });

  it('fires a webhook when the error rate of posted spans crosses the threshold', async () => {
    if (!aio) throw new Error('the all-in-one did not start');
    const { queryUrl, ingestUrl } = aio;
    const key = await aio.adminKey();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const created = await fetch(`${queryUrl}/v1/alerts/rules`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'aio errors',
        condition: { metric: 'error_rate', service: 'aio-svc', threshold: 0.1, window: '1m' },
        channels: [{ type: 'webhook', url }],
      }),
    });
    expect(created.status).toBe(201);
    const now = Date.now();
    const spans = Array.from({ length: 4 }, (_, n) => ({
      trace_id: randomTraceId(),
      span_id: randomSpanId(),
      name: 'GET /',
      service: 'aio-svc',
      start_time: new Date(now - 10).toISOString(),
      end_time: new Date(now).toISOString(),
      status: n < 2 ? 'error' : 'ok',
    }));
    const posted = await fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ spans }),
    });
    expect(posted.status).toBe(202);
    const hook = await waitFor('the webhook', async () => hooks[0], { timeoutMs: 20_000 });
    expect(hook).toMatchObject({ state: 'firing', value: 0.5, threshold: 0.1, service: 'aio-svc' });
  });
});
