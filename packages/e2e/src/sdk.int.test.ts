import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { IngestClient, type LiveEvent, MeshTraceClient, MeshTraceError, Tracer } from '@mesh-trace/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllInOneProcess, spawnAllInOne } from './all-in-one-process.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { freePort } from './processes.js';
import { waitFor } from './wait-for.js';

/** A local HTTP server whose answers the test scripts; it records every request. */
async function fakeServer(
  handler: (req: IncomingMessage, body: Buffer, res: ServerResponse, n: number) => void,
) {
  const requests: { at: number; headers: IncomingMessage['headers']; body: Buffer; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ at: Date.now(), headers: req.headers, body, url: req.url ?? '' });
      handler(req, body, res, requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('@mesh-trace/sdk against the all-in-one', () => {
  let aio: AllInOneProcess | undefined;
  let ingestUrl: string;
  let queryUrl: string;
  let key: string;
  let client: MeshTraceClient;
  const warnings: string[] = [];

  beforeAll(async () => {
    aio = await spawnAllInOne();
    ({ ingestUrl, queryUrl } = aio);
    key = await aio.adminKey();
    client = new MeshTraceClient({ baseUrl: queryUrl, apiKey: key });
  });

  afterAll(async () => {
    await aio?.stop();
  });

  it('traces an agent, streams it live and reads it back through every trace endpoint', async () => {
    const tracer = new Tracer({
      baseUrl: ingestUrl,
      apiKey: key,
      service: 'sdk-agent-svc',
      agentId: 'sdk-agent',
      flushIntervalMs: 50,
      logger: { warn: (m) => warnings.push(m) },
    });
    const trace = tracer.startTrace('answer-question', {
      input: { q: 'weather?' },
      attributes: { 'user.id': 'u1' },
    });
    await tracer.flush();
    // The agent now has a trace: its live stream can be opened.
    const abort = new AbortController();
    const live: LiveEvent[] = [];
    const reading = (async () => {
      for await (const ev of client.agents.live('sdk-agent', { signal: abort.signal })) {
        live.push(ev);
        if (ev.type === 'trace.completed') return;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const answer = await trace.span('plan', async (plan) => {
      plan.setAttribute('llm.model', 'small');
      await trace.span('tool.search', async () => 'sunny', { parent: plan, kind: 'client' });
      trace.event('tool.call', { tool: 'search', result: 'sunny' }, { span: plan });
      return 'sunny';
    });
    await expect(trace.span('tool.fail', () => Promise.reject(new Error('tool broke')))).rejects.toThrow(
      'tool broke',
    );
    trace.complete({ output: { answer } });
    await tracer.shutdown();
    expect(tracer.dropped).toBe(0);
    expect(warnings).toEqual([]);

    await reading;
    abort.abort();
    // Within one batch the stream carries trace records, then spans, then events; batches in order.
    expect(live.filter((e) => e.type === 'span').map((e) => e.data.name)).toEqual([
      'tool.search',
      'plan',
      'tool.fail',
    ]);
    expect(live.filter((e) => e.type === 'event').map((e) => e.data.data)).toEqual([
      { tool: 'search', result: 'sunny' },
    ]);
    expect(live).toHaveLength(5);
    expect(live[4]).toMatchObject({
      type: 'trace.completed',
      data: { status: 'completed', trace_id: trace.traceId },
    });
    expect(live.every((e) => /^\d+-\d+$/.test(e.id))).toBe(true);

    const stored = await waitFor('trace stored with completion', async () => {
      const t = await client.traces.get(trace.traceId).catch(() => undefined);
      return t && t.spans.length === 3 && t.lifecycle === 'completed' ? t : undefined;
    });
    expect(stored).toMatchObject({ trace_id: trace.traceId, name: 'answer-question', agent_id: 'sdk-agent' });
    const failed = stored.spans.find((s) => s.name === 'tool.fail');
    expect(failed).toMatchObject({ status: 'error', status_message: 'tool broke' });
    const all = await client.traces.getAll(trace.traceId);
    expect(all.spans).toHaveLength(3);

    // A second trace, so that following cursors takes two pages of one.
    const t2 = new Tracer({
      baseUrl: ingestUrl,
      apiKey: key,
      service: 'sdk-agent-svc',
      agentId: 'sdk-agent',
    });
    const second = t2.startTrace('second');
    await second.span('step', () => undefined);
    second.complete();
    await t2.shutdown();
    await waitFor('second trace listed', async () => {
      const page = await client.traces.list({ service: 'sdk-agent-svc' }).page();
      return page.data.length === 2 ? true : undefined;
    });
    const seen: string[] = [];
    for await (const t of client.traces.list({ service: 'sdk-agent-svc', limit: 1 })) seen.push(t.trace_id);
    expect(seen).toHaveLength(2);
    expect(seen).toContain(trace.traceId);
    const pages = [];
    for await (const p of client.traces.list({ service: 'sdk-agent-svc', limit: 1 }).pages()) pages.push(p);
    expect(pages.length).toBeGreaterThanOrEqual(2);

    const found = await client.traces.search({ query: 'name = "tool.fail" AND status = "error"' }).all();
    expect(found.map((t) => t.trace_id)).toEqual([trace.traceId]);

    const services = await client.services.list();
    expect(services.map((s) => s.service)).toContain('sdk-agent-svc');
    const topo = await client.topology.get({ time_window: '1h' });
    expect(topo.nodes.map((n) => n.service)).toContain('sdk-agent-svc');
  });

  it('manages API keys, nodes and alert rules, with typed errors', async () => {
    const created = await client.apiKeys.create({ scopes: ['read'], name: 'sdk-test' });
    expect(created.key).toMatch(/^mtk_live_/);
    expect((await client.apiKeys.list()).map((k) => k.id)).toContain(created.id);
    const rotated = await client.apiKeys.rotate(created.id);
    expect(rotated.key).not.toBe(created.key);
    await client.apiKeys.revoke(rotated.id);
    const revokedClient = new MeshTraceClient({ baseUrl: queryUrl, apiKey: rotated.key });
    await waitFor('revocation effective', async () => {
      const err = await revokedClient.services.list().catch((e: unknown) => e);
      return err instanceof MeshTraceError && err.status === 401 ? true : undefined;
    });

    const nodes = await client.nodes.list();
    expect(Array.isArray(nodes)).toBe(true);
    const missing = await client.nodes.get('no-such-node').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MeshTraceError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found', requestId: expect.any(String) });
    for (const n of nodes.slice(0, 1)) {
      expect((await client.nodes.drain(n.node_id)).draining).toBe(true);
      expect((await client.nodes.resume(n.node_id)).draining).toBe(false);
    }
    const notFoundDrain = await client.nodes.drain('no-such-node').catch((e: unknown) => e);
    expect(notFoundDrain).toMatchObject({ status: 404 });

    const rule = await client.alerts.rules.create({
      name: 'sdk errors',
      condition: { metric: 'error_rate', service: 'sdk-agent-svc', threshold: 0.5, window: '5m' },
      channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    });
    expect(rule.id).toEqual(expect.any(String));
    expect((await client.alerts.rules.get(rule.id)).name).toBe('sdk errors');
    const updated = await client.alerts.rules.update(rule.id, { severity: 'critical' });
    expect(updated.severity).toBe('critical');
    expect((await client.alerts.rules.list().all()).map((r) => r.id)).toContain(rule.id);
    const dup = await client.alerts.rules
      .create({ name: 'sdk errors', condition: rule.condition, channels: rule.channels })
      .catch((e: unknown) => e);
    expect(dup).toMatchObject({ status: 409, code: 'conflict' });
    expect(await client.alerts.rules.delete(rule.id)).toMatchObject({ id: rule.id, deleted: true });
    expect(await client.alerts.rules.get(rule.id).catch((e: unknown) => (e as MeshTraceError).status)).toBe(
      404,
    );
    expect(Array.isArray(await client.alerts.events({ limit: 10 }).all())).toBe(true);

    const bad = await client.traces
      .search({ query: 'name = ' })
      .page()
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: expect.any(String) });
    const liveMissing = client.agents.live('agent-without-traces');
    await expect(liveMissing[Symbol.asyncIterator]().next()).rejects.toMatchObject({ status: 404 });
  });
});

describe('@mesh-trace/sdk nodes on the split deployment', () => {
  let pipe: Pipeline | undefined;
  afterAll(async () => {
    await pipe?.stop();
  });

  it('lists collector nodes, drains one and resumes it', async () => {
    const nodeId = `sdk-ingest-${Date.now().toString(36)}`;
    pipe = await startPipeline(['ingest', 'query'], { MESH_TRACE_NODE_ID: nodeId });
    const admin = new MeshTraceClient({ baseUrl: pipe.queryUrl, apiKey: await pipe.key(['admin']) });
    const node = await waitFor('ingest node registered', async () =>
      (await admin.nodes.list()).find((n) => n.node_id === nodeId),
    );
    expect((await admin.nodes.get(node.node_id)).node_id).toBe(node.node_id);
    expect(await admin.nodes.drain(node.node_id)).toMatchObject({ node_id: node.node_id, draining: true });
    expect(await admin.nodes.resume(node.node_id)).toMatchObject({ node_id: node.node_id, draining: false });
    const reader = new MeshTraceClient({ baseUrl: pipe.queryUrl, apiKey: await pipe.key(['read']) });
    expect(await reader.nodes.drain(node.node_id).catch((e: unknown) => e)).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });
});

describe('@mesh-trace/sdk resilience (local fake servers)', () => {
  it('retries 429 and 503 with backoff, never before Retry-After, and sends gzip', async () => {
    const srv = await fakeServer((_req, _body, res, n) => {
      if (n === 1)
        return json(res, 429, { error: 'Rate limit exceeded', code: 'rate_limited' }, { 'retry-after': '1' });
      if (n === 2) return json(res, 503, { error: 'unavailable', code: 'dependency_unavailable' });
      json(res, 202, { accepted: { traces: 1, spans: 0, events: 0 }, request_id: 'r3' });
    });
    try {
      const ingest = new IngestClient({
        baseUrl: srv.url,
        apiKey: 'mtk_live_x',
        backoff: { baseMs: 20, maxMs: 200 },
      });
      const batch = {
        traces: [{ trace_id: 'a'.repeat(32), name: 'x'.repeat(2_000), start_time: new Date().toISOString() }],
      };
      const out = await ingest.sendBatch(batch);
      expect(out.request_id).toBe('r3');
      expect(srv.requests).toHaveLength(3);
      const [r1, r2, r3] = srv.requests;
      expect((r2?.at ?? 0) - (r1?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
      expect((r3?.at ?? 0) - (r2?.at ?? 0)).toBeLessThan(1_000);
      expect(r3?.headers['content-encoding']).toBe('gzip');
      expect(r3?.headers.authorization).toBe('Bearer mtk_live_x');
      expect(JSON.parse(gunzipSync(r3?.body ?? Buffer.alloc(0)).toString('utf8'))).toEqual(batch);
    } finally {
      await srv.close();
    }
  });

  it('never retries other 4xx; the tracer logs and counts the drop instead of throwing', async () => {
    const srv = await fakeServer((_req, _body, res) =>
      json(res, 422, { error: 'end before start', code: 'unprocessable', request_id: 'r-422' }),
    );
    try {
      const ingest = new IngestClient({
        baseUrl: srv.url,
        apiKey: 'mtk_live_x',
        backoff: { baseMs: 10, maxMs: 20 },
      });
      const err = await ingest.sendBatch({ traces: [] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 422, code: 'unprocessable', requestId: 'r-422' });
      expect(srv.requests).toHaveLength(1);
      const logged: unknown[] = [];
      const tracer = new Tracer({
        baseUrl: srv.url,
        apiKey: 'mtk_live_x',
        service: 's',
        logger: { warn: (m, c) => logged.push({ m, c }) },
      });
      tracer.startTrace('t').startSpan('s').end();
      await tracer.shutdown();
      expect(tracer.dropped).toBe(2);
      expect(srv.requests).toHaveLength(2);
      expect(logged).toEqual([
        { m: 'batch not accepted; items dropped', c: expect.objectContaining({ status: 422 }) },
      ]);
    } finally {
      await srv.close();
    }
  });

  it('a killed server never throws into agent code; the buffer stays bounded', async () => {
    // A real process holding the port, killed with SIGKILL halfway through the agent's work.
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(202, {'content-type': 'application/json'}); s.end('{"accepted":{"traces":0,"spans":0,"events":0},"request_id":"x"}'); }); }).listen(${port}, '127.0.0.1', () => console.log('up'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((r) => child.stdout?.once('data', () => r()));
    const logged: string[] = [];
    const tracer = new Tracer({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'mtk_live_x',
      service: 'agent',
      maxBufferItems: 50,
      maxBatchItems: 10,
      maxRetries: 2,
      backoff: { baseMs: 10, maxMs: 50 },
      logger: { warn: (m) => logged.push(m) },
    });
    const t = tracer.startTrace('before-kill');
    await t.span('ok', () => undefined);
    await tracer.flush();
    expect(tracer.sent).toBe(2);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // The agent keeps working: no call throws or rejects, whatever the network does.
    for (let i = 0; i < 200; i++) {
      const tr = tracer.startTrace(`after-${i}`);
      await tr.span('step', (s) => {
        s.setAttribute('i', i);
        tr.event('tool.call', { i }, { span: s });
      });
      tr.complete({ error: i % 2 ? new Error('agent error') : undefined });
      expect(tracer.buffered).toBeLessThanOrEqual(50);
    }
    await tracer.flush();
    await tracer.shutdown(2_000);
    expect(tracer.dropped).toBeGreaterThan(0);
    expect(tracer.sent).toBe(2);
    expect(logged.length).toBeGreaterThan(0);
  });

  it('the live iterator reconnects with Last-Event-ID after the connection drops', async () => {
    const srv = await fakeServer((req, _body, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 1) {
        res.write('retry: 10\n: connected\n\nid: 1-0\nevent: span\ndata: {"name":"a"}\n\n');
        res.write('id: 2-0\nevent: span\ndata: {"name":"b"}\n\n');
        // The connection drops (proxy restart, replica gone).
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.write(`: resumed after ${req.headers['last-event-id']}\n\n`);
      res.end('id: 3-0\nevent: trace.completed\ndata: {"status":"completed"}\n\n');
    });
    try {
      const c = new MeshTraceClient({ baseUrl: srv.url, apiKey: 'mtk_live_x' });
      const got: LiveEvent[] = [];
      const reconnects: number[] = [];
      for await (const ev of c.agents.live('a1', { onReconnect: (i) => reconnects.push(i.attempt) })) {
        got.push(ev);
        if (ev.type === 'trace.completed') break;
      }
      expect(got.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0']);
      expect(srv.requests[1]?.headers['last-event-id']).toBe('2-0');
      expect(srv.requests[0]?.url).toBe('/v1/agents/a1/live');
      expect(reconnects).toEqual([1]);
    } finally {
      await srv.close();
    }
  });
});
