import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSpanId, randomTraceId } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { waitFor } from './wait-for.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  at: number;
}

/** A test client of GET /v1/agents/:id/live that records every event and comment with its arrival time. */
class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  async open(url: string, key: string, lastEventId?: string): Promise<void> {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${key}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: this.abort.signal,
    });
    this.status = res.status;
    if (res.status !== 200 || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += value;
          let end = buf.indexOf('\n\n');
          while (end >= 0) {
            this.parse(buf.slice(0, end));
            buf = buf.slice(end + 2);
            end = buf.indexOf('\n\n');
          }
        }
      } catch {
        // aborted by close()
      }
    })();
    await waitFor('stream opened', async () =>
      this.events.some((e) => e.comment === 'connected') ? true : undefined,
    );
  }

  private parse(block: string): void {
    const ev: SseEvent = { at: Date.now() };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) ev.comment = line.slice(1).trim();
      else if (line.startsWith('id: ')) ev.id = line.slice(4);
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.data = line.slice(6);
    }
    this.events.push(ev);
  }

  data(): (SseEvent & { body: Record<string, unknown> })[] {
    return this.events.filter((e) => e.event).map((e) => ({ ...e, body: JSON.parse(e.data ?? '{}') }));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

// Live SSE across real processes: ingest (replica A) → Redis stream → two query replicas.
describe('live stream per agent (SSE)', () => {
  let pipe: Pipeline;
  let replicaB: ServiceProcess;
  let queryB: string;
  let key: string;
  const agent = 'agent-live-1';
  let traceId: string;
  const clients: SseClient[] = [];

  const post = async (body: unknown, k = key) => {
    const res = await fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${k}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return Date.now();
  };
  const span = (trace: string, name: string, attributes: Record<string, string> = {}) => {
    const now = Date.now();
    return {
      trace_id: trace,
      span_id: randomSpanId(),
      name,
      service: 'live-agent',
      start_time: new Date(now - 5).toISOString(),
      end_time: new Date(now).toISOString(),
      attributes,
    };
  };
  const client = () => {
    const c = new SseClient();
    clients.push(c);
    return c;
  };
  const liveUrl = (base: string, a = agent) => `${base}/v1/agents/${encodeURIComponent(a)}/live`;

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'query'], {
      MESH_TRACE_LIVE_HEARTBEAT_MS: '300',
      MESH_TRACE_LIVE_MAX_BUFFER_BYTES: String(64 * 1024),
    });
    const port = await freePort();
    queryB = `http://127.0.0.1:${port}`;
    replicaB = await spawnService(
      'query-b',
      'services/query/dist/main.js',
      {
        REDIS_URL: pipe.stack.REDIS_URL,
        CLICKHOUSE_URL: pipe.stack.CLICKHOUSE_URL,
        MESH_TRACE_QUERY_HOST: '127.0.0.1',
        MESH_TRACE_QUERY_PORT: String(port),
        MESH_TRACE_RUN_MIGRATIONS: 'false',
        MESH_TRACE_LIVE_HEARTBEAT_MS: '300',
      },
      `${queryB}/readyz`,
    );
    key = await pipe.key(['ingest', 'read']);
    traceId = randomTraceId();
    await post({
      traces: [{ trace_id: traceId, name: 'plan', agent_id: agent, start_time: new Date().toISOString() }],
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await replicaB?.stop();
    await pipe?.stop();
  });

  it('answers 401 without a key, 403 without read or for another agent, 404 for an unknown agent, 400 for a bad Last-Event-ID', async () => {
    const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
    const auth = (k: string) => ({ authorization: `Bearer ${k}` });
    const noKey = await get(liveUrl(pipe.queryUrl));
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ code: 'unauthorized' });
    const ingestOnly = await pipe.key(['ingest']);
    expect((await get(liveUrl(pipe.queryUrl), auth(ingestOnly))).status).toBe(403);
    const otherAgentKey = await pipe.key(['read'], { agent_id: 'someone-else' });
    const forbidden = await get(liveUrl(pipe.queryUrl), auth(otherAgentKey));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'forbidden', request_id: expect.any(String) });
    const unknown = await get(liveUrl(pipe.queryUrl, 'no-such-agent'), auth(key));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
    // Another org's agent of the same name is unknown to this key.
    const otherOrg = await pipe.key(['read']);
    expect((await get(liveUrl(pipe.queryUrl), auth(otherOrg))).status).toBe(404);
    const bad = await get(liveUrl(pipe.queryUrl), { ...auth(key), 'last-event-id': 'x); DROP' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('delivers spans and events accepted by ingest to a client on another query replica within 1 s', async () => {
    const c = client();
    await c.open(liveUrl(queryB), key);
    const foreign = randomTraceId();
    const unowned = randomTraceId();
    // Another agent's trace and a trace without agent must not show up in this stream.
    await post({
      traces: [
        { trace_id: foreign, name: 'x', agent_id: 'agent-other', start_time: new Date().toISOString() },
      ],
      spans: [span(unowned, 'no-agent')],
    });
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Spans only: the agent comes from the trace record accepted earlier (another batch).
      sent.push(await post({ spans: [span(traceId, `step-${i}`), span(foreign, 'foreign')] }));
    }
    sent.push(
      await post({
        events: [
          {
            trace_id: traceId,
            type: 'tool.call',
            timestamp: new Date().toISOString(),
            data: { tool: 'search' },
          },
        ],
      }),
    );
    const got = await waitFor('6 live events', async () => {
      const d = c.data();
      return d.length >= 6 ? d : undefined;
    });
    expect(got.map((e) => e.event)).toEqual(['span', 'span', 'span', 'span', 'span', 'event']);
    expect(got.slice(0, 5).map((e) => e.body.name)).toEqual([
      'step-0',
      'step-1',
      'step-2',
      'step-3',
      'step-4',
    ]);
    expect(got[0]?.body).toMatchObject({ trace_id: traceId, service: 'live-agent', kind: 'internal' });
    expect(got[5]?.body).toMatchObject({ trace_id: traceId, type: 'tool.call', data: { tool: 'search' } });
    for (const [i, e] of got.entries()) {
      expect(e.id).toMatch(/^\d+-\d+$/);
      expect(e.at - (sent[i] ?? 0)).toBeLessThan(1_000);
    }
    const lags = got.map((e, i) => e.at - (sent[i] ?? 0));
    console.info(`live: 202 → client on replica B in ${lags.join(', ')} ms`);
    // Nothing else arrives: no foreign or agent-less spans.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.data()).toHaveLength(6);
  });

  it('resumes with Last-Event-ID: exactly the events missed while disconnected, in order', async () => {
    const c1 = client();
    await c1.open(liveUrl(pipe.queryUrl), key);
    await post({ spans: [span(traceId, 'before')] });
    const first = await waitFor('one event', async () => c1.data()[0]);
    expect(first.body.name).toBe('before');
    await c1.close();

    await post({ spans: [span(traceId, 'missed-1'), span(traceId, 'missed-2')] });
    await post({ spans: [span(traceId, 'missed-3')] });
    const done = await fetch(`${pipe.ingestUrl}/v1/traces/${traceId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ status: 'completed' }),
    });
    expect(done.status).toBe(200);
    // Resume on the other replica, which never served this client.
    const c2 = client();
    await c2.open(liveUrl(queryB), key, first.id);
    const got = await waitFor('4 missed events', async () => {
      const d = c2.data();
      return d.length >= 4 ? d : undefined;
    });
    expect(got.map((e) => `${e.event}:${e.body.name ?? e.body.status}`)).toEqual([
      'span:missed-1',
      'span:missed-2',
      'span:missed-3',
      'trace.completed:completed',
    ]);
    expect(got[3]?.body).toMatchObject({ trace_id: traceId, agent_id: agent });
    // Still live after the catch-up, without repeats.
    await post({ spans: [span(traceId, 'after')] });
    const later = await waitFor('the next event', async () => c2.data()[4]);
    expect(later.body.name).toBe('after');
    const ids = c2.data().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a Last-Event-ID beyond the stream does not silence the other subscribers of the agent', async () => {
    const forged = 'agent-forged-id';
    const t = randomTraceId();
    await post({
      traces: [{ trace_id: t, name: 'f', agent_id: forged, start_time: new Date().toISOString() }],
    });
    // The first subscriber of this agent on replica B claims an id from the far future.
    const bad = client();
    await bad.open(liveUrl(queryB, forged), key, '9999999999999999-0');
    const good = client();
    await good.open(liveUrl(queryB, forged), key);
    await post({ spans: [span(t, 'after-forgery')] });
    for (const c of [good, bad]) {
      const got = await waitFor('the span', async () =>
        c.data().find((e) => e.body.name === 'after-forgery'),
      );
      expect(got.event).toBe('span');
    }
  });

  it('serves an agent-bound key its own agent and starts with trace.started for new traces', async () => {
    const bound = await pipe.key(['ingest', 'read'], { agent_id: 'agent-bound' });
    const t = randomTraceId();
    await post({ traces: [{ trace_id: t, name: 'bound-run', start_time: new Date().toISOString() }] }, bound);
    const c = client();
    await c.open(liveUrl(pipe.queryUrl, 'agent-bound'), bound);
    const t2 = randomTraceId();
    await post(
      {
        traces: [{ trace_id: t2, name: 'second', start_time: new Date().toISOString() }],
        spans: [span(t2, 's')],
      },
      bound,
    );
    const got = await waitFor('2 events', async () => (c.data().length >= 2 ? c.data() : undefined));
    expect(got.map((e) => e.event)).toEqual(['trace.started', 'span']);
    expect(got[0]?.body).toMatchObject({ trace_id: t2, name: 'second', agent_id: 'agent-bound' });
  });

  it('sends a heartbeat comment on idle streams', async () => {
    const c = client();
    await c.open(liveUrl(queryB), key);
    await waitFor(
      'heartbeat',
      async () => (c.events.some((e) => e.comment === 'heartbeat') ? true : undefined),
      {
        timeoutMs: 5_000,
      },
    );
  });

  it('a replica shutting down ends its live streams and exits cleanly', async () => {
    const c = client();
    await c.open(liveUrl(queryB), key);
    const started = Date.now();
    expect(await replicaB.stop(10_000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    await c.close();
  });

  it('drops a client that stops reading once its buffer passes the bound', async () => {
    const url = new URL(liveUrl(pipe.queryUrl));
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    let head = '';
    await new Promise<void>((resolve) => {
      const onData = (b: Buffer) => {
        head += b.toString('utf8');
        if (head.includes('connected')) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    // Stop reading: the kernel buffers fill, then the server's.
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const big = 'x'.repeat(8_000);
    for (let b = 0; b < 8; b++) {
      await post({
        spans: Array.from({ length: 300 }, (_, i) => span(traceId, `bulk-${b}-${i}`, { blob: big })),
      });
    }
    await waitFor(
      'slow client dropped',
      async () => {
        const m = await (await fetch(`${pipe.queryUrl}/metrics`)).text();
        return /mesh_trace_live_clients_dropped_total\{[^}]*reason="slow_client"[^}]*\} [1-9]/.test(m)
          ? true
          : undefined;
      },
      { timeoutMs: 15_000 },
    );
    // Once it reads again, it sees the server closed the connection.
    socket.resume();
    await closed;
  });
});
