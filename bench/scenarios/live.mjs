import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { freePort } from '../../packages/e2e/dist/index.js';
import { startChild, stopChild } from '../lib/children.mjs';
import { keepAliveAgent, send, sleep } from '../lib/http-client.mjs';
import { median, percentile, result } from '../lib/stats.mjs';

const IDLE_CONNECTIONS = 1_000;

/** Current resident set (VmRSS) of a process in MB. */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

/**
 * Opens GET /v1/agents/:id/live without a pooling agent (one socket per stream). `onEvent` sees
 * (eventType, data, arrivalMs); resolves once the stream's first comment arrived.
 */
function openStream(url, key, onEvent) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: { authorization: `Bearer ${key}` },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`live stream: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        let opened = false;
        res.on('data', (chunk) => {
          const at = performance.now();
          buf += chunk;
          let end = buf.indexOf('\n\n');
          while (end >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            end = buf.indexOf('\n\n');
            if (!opened && block.includes(': connected')) {
              opened = true;
              resolve({ close: () => req.destroy() });
            }
            const ev = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (ev && data && onEvent) onEvent(ev, JSON.parse(data), at);
          }
        });
        res.on('error', () => {});
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Live stream: (1) latency from an accepted span (the POST to ingest) to a connected SSE client on a
 * separate query process, through Kafka-acknowledged ingest and the Redis stream; (2) the query
 * process's RSS with 1,000 idle live connections open, against the same process before they opened.
 */
export async function liveScenario(ctx) {
  const { log, cfg } = ctx;
  const [ip, qp] = await Promise.all([freePort(), freePort()]);
  const ingestUrl = `http://127.0.0.1:${ip}`;
  const queryUrl = `http://127.0.0.1:${qp}`;
  const env = {
    ...ctx.serviceEnv,
    MESH_TRACE_TOPIC: `${ctx.prefix}-live`,
    MESH_TRACE_INGEST_HOST: '127.0.0.1',
    MESH_TRACE_INGEST_PORT: String(ip),
    MESH_TRACE_QUERY_HOST: '127.0.0.1',
    MESH_TRACE_QUERY_PORT: String(qp),
  };
  const ingest = await startChild('ingest', 'services/ingest/dist/main.js', env, `${ingestUrl}/readyz`);
  const query = await startChild('query', 'services/query/dist/main.js', env, `${queryUrl}/readyz`);
  const agentName = `${ctx.prefix}-agent`;
  const liveUrl = `${queryUrl}/v1/agents/${agentName}/live`;
  const requests = cfg.liveRequests ?? (cfg.reps >= 5 ? 600 : 200);
  await ctx.keys.prepare(requests + IDLE_CONNECTIONS + 100);
  const http = keepAliveAgent(8);
  const post = (body) =>
    send(http, {
      method: 'POST',
      url: `${ingestUrl}/v1/traces/batch`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.keys.take()}` },
      body: Buffer.from(JSON.stringify(body)),
    });
  const traceId = `${Date.now().toString(16).padStart(16, '0')}${'0'.repeat(15)}1`;
  const started = await post({
    traces: [{ trace_id: traceId, name: 'bench', agent_id: agentName, start_time: new Date().toISOString() }],
  });
  if (started.status !== 202) throw new Error(`trace record: ${started.status} ${started.text}`);
  try {
    // (1) latency: 10 spans per request, 20 requests a second; each span's name carries its send time.
    const sentAt = new Map();
    const lags = [];
    const stream = await openStream(liveUrl, ctx.keys.take(), (type, data, at) => {
      if (type !== 'span') return;
      const t0 = sentAt.get(data.name);
      if (t0 !== undefined) lags.push(at - t0);
    });
    let spanSeq = 0;
    for (let r = 0; r < requests; r++) {
      const now = Date.now();
      const spans = Array.from({ length: 10 }, () => {
        const name = `s${spanSeq++}`;
        return {
          trace_id: traceId,
          span_id: (spanSeq + 1).toString(16).padStart(16, '0'),
          name,
          service: 'bench-agent',
          start_time: new Date(now - 2).toISOString(),
          end_time: new Date(now).toISOString(),
        };
      });
      const t0 = performance.now();
      for (const s of spans) sentAt.set(s.name, t0);
      const res = await post({ spans });
      if (res.status !== 202) throw new Error(`POST spans: ${res.status} ${res.text.slice(0, 200)}`);
      await sleep(50);
    }
    const deadline = Date.now() + 5_000;
    while (lags.length < spanSeq && Date.now() < deadline) await sleep(50);
    stream.close();
    const missing = spanSeq - lags.length;
    log(
      `live latency: ${lags.length}/${spanSeq} spans seen, p50 ${percentile(lags, 50)?.toFixed(1)} ms, p99 ${percentile(lags, 99)?.toFixed(1)} ms`,
    );
    if (missing > 0) throw new Error(`${missing} spans never reached the live client`);

    // (2) memory with 1,000 idle connections.
    await sleep(1_000);
    const before = rssMb(query.child.pid);
    const streams = [];
    for (let i = 0; i < IDLE_CONNECTIONS; i += 50) {
      streams.push(
        ...(await Promise.all(Array.from({ length: 50 }, () => openStream(liveUrl, ctx.keys.take())))),
      );
    }
    await sleep(2_000);
    const open = rssMb(query.child.pid);
    // Held idle through heartbeats: memory must not creep while nothing happens.
    await sleep(cfg.reps >= 5 ? 20_000 : 5_000);
    const later = rssMb(query.child.pid);
    // Still delivering: one more span reaches an idle client.
    let seen = false;
    const probe = await openStream(liveUrl, ctx.keys.take(), (type) => {
      if (type === 'span') seen = true;
    });
    const t = Date.now();
    await post({
      spans: [
        {
          trace_id: traceId,
          span_id: 'f'.repeat(16),
          name: 'probe',
          service: 'bench-agent',
          start_time: new Date(t - 1).toISOString(),
          end_time: new Date(t).toISOString(),
        },
      ],
    });
    while (!seen && Date.now() - t < 5_000) await sleep(20);
    probe.close();
    for (const s of streams) s.close();
    log(
      `live idle: query RSS ${before?.toFixed(0)} MB → ${open?.toFixed(0)} MB with ${streams.length} streams, ${later?.toFixed(0)} MB after idling; probe ${seen ? 'delivered' : 'LOST'}`,
    );
    if (!seen) throw new Error('probe span not delivered with 1,000 idle streams open');
    return [
      result({
        scenario: 'live: accepted span → SSE client (other process), 10 spans/request',
        unit: 'ms',
        runs: [median(lags)],
        samples: lags,
        higherIsBetter: false,
      }),
      result({
        scenario: `live: query RSS, ${IDLE_CONNECTIONS.toLocaleString('en')} idle SSE connections (before ${before?.toFixed(0)} MB)`,
        unit: 'MB',
        runs: [open, later],
        rssMb: later,
        higherIsBetter: false,
      }),
    ];
  } finally {
    await stopChild(query);
    await stopChild(ingest);
  }
}
