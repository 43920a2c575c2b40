import { freePort } from '../../packages/e2e/dist/index.js';
import { getTrace } from '../../packages/storage/dist/index.js';
import { peakRssMb, startChild, stopChild } from '../lib/children.mjs';
import { countSpans } from '../lib/clickhouse.mjs';
import { SpanGenerator } from '../lib/generator.mjs';
import { keepAliveAgent, send, sleep } from '../lib/http-client.mjs';
import { retryTransient } from '../lib/retry.mjs';
import { median, percentile, result } from '../lib/stats.mjs';

const SPANS_PER_REQUEST = 100;
const POLL_MS = 50;

/** Polls GET /v1/traces/:id until 200; resolves with the time from `since` (the 202) to that 200. */
async function firstVisible(ctx, agent, queryUrl, traceId, since, timeoutMs = 30_000) {
  for (let i = 0; i < Math.ceil(timeoutMs / POLL_MS); i++) {
    const res = await send(agent, {
      url: `${queryUrl}/v1/traces/${traceId}`,
      headers: { authorization: `Bearer ${ctx.keys.take()}` },
    });
    if (res.status === 200) return performance.now() - since;
    if (res.status !== 404) throw new Error(`GET trace: ${res.status} ${res.text.slice(0, 200)}`);
    await sleep(POLL_MS);
  }
  return undefined;
}

/**
 * Sends 100-span requests at `spansPerSec` for `durationMs`, open loop; every `sampleEvery`-th request
 * has its first trace polled through the query service. Returns the lags and every trace id sent.
 */
async function steadyLoad(
  ctx,
  { ingestUrl, queryUrl, gen, spansPerSec, durationMs, sampleEvery, stopWhenSeen },
) {
  const ingestAgent = keepAliveAgent(32);
  const queryAgent = keepAliveAgent(32);
  const interval = (1000 * SPANS_PER_REQUEST) / spansPerSec;
  const total = Math.max(1, Math.round(durationMs / interval));
  const started = performance.now();
  const lags = [];
  const traceIds = [];
  const pending = new Set();
  let spans = 0;
  let failed = 0;
  let seen = false;
  try {
    for (let i = 0; i < total && !(stopWhenSeen && seen); i++) {
      const wait = started + i * interval - performance.now();
      if (wait >= 1) await sleep(wait);
      if (pending.size >= 256) continue;
      const b = gen.batch(SPANS_PER_REQUEST);
      const body = Buffer.from(JSON.stringify(b.body));
      const sample = i % sampleEvery === 0;
      const p = send(ingestAgent, {
        method: 'POST',
        url: `${ingestUrl}/v1/traces/batch`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.keys.take()}` },
        body,
      })
        .then(async (res) => {
          if (res.status !== 202) {
            failed++;
            if (failed === 1) ctx.log(`    ingest answered ${res.status}: ${res.text.slice(0, 200)}`);
            return;
          }
          spans += b.spans;
          for (const id of b.traceIds) traceIds.push(id);
          if (!sample) return;
          const lag = await firstVisible(ctx, queryAgent, queryUrl, b.traceIds[0], performance.now());
          if (lag === undefined) failed++;
          else {
            lags.push(lag);
            seen = true;
          }
        })
        .catch((err) => {
          failed++;
          if (failed === 1) ctx.log(`    request failed: ${err.message}`);
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    await Promise.all([...pending]);
  } finally {
    ingestAgent.destroy();
    queryAgent.destroy();
  }
  return { lags, traceIds, spans, failed, elapsedMs: performance.now() - started };
}

/** A query process on `port` with the bench's key limit, ready to serve. */
export function startQueryChild(ctx, port) {
  return startChild(
    'query',
    'services/query/dist/main.js',
    {
      ...ctx.serviceEnv,
      MESH_TRACE_QUERY_HOST: '127.0.0.1',
      MESH_TRACE_QUERY_PORT: String(port),
      MESH_TRACE_RATE_LIMIT_PER_MINUTE: '10000',
    },
    `http://127.0.0.1:${port}/readyz`,
  );
}

/** Sequential reads of `ids` (cycled); returns latencies in ms. */
async function timeReads(count, ids, read, offset = 0) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await read(ids[(offset + i) % ids.length]);
    out.push(performance.now() - t);
  }
  return out;
}

/** Scenarios 4 and 5: ingest + writer + query on one fresh topic; freshness lag, then trace by id. */
export async function readPathScenarios(ctx) {
  const { cfg } = ctx;
  const topic = `${ctx.prefix}-fresh`;
  const [ip, wp, qp] = [await freePort(), await freePort(), await freePort()];
  const ingestUrl = `http://127.0.0.1:${ip}`;
  const queryUrl = `http://127.0.0.1:${qp}`;
  const procs = [];
  const out = [];
  try {
    procs.push(
      await startChild(
        'ingest',
        'services/ingest/dist/main.js',
        {
          ...ctx.serviceEnv,
          MESH_TRACE_TOPIC: topic,
          MESH_TRACE_INGEST_HOST: '127.0.0.1',
          MESH_TRACE_INGEST_PORT: String(ip),
          MESH_TRACE_RATE_LIMIT_PER_MINUTE: '10000',
        },
        `${ingestUrl}/readyz`,
      ),
    );
    procs.push(
      await startChild(
        'writer',
        'services/writer/dist/main.js',
        {
          ...ctx.serviceEnv,
          MESH_TRACE_TOPIC: topic,
          MESH_TRACE_WRITER_GROUP: topic,
          MESH_TRACE_WRITER_HOST: '127.0.0.1',
          MESH_TRACE_WRITER_PORT: String(wp),
        },
        `http://127.0.0.1:${wp}/readyz`,
      ),
    );
    procs.push(await startQueryChild(ctx, qp));
    const gen = new SpanGenerator(ctx.seed + 2, Date.now());
    const rate = cfg.freshnessSpansPerSec;
    const sampleEvery = Math.max(1, Math.round(rate / SPANS_PER_REQUEST / cfg.freshnessSamplesPerSec));
    const loadOpts = { ingestUrl, queryUrl, gen, spansPerSec: rate, sampleEvery };
    // Requests: ingest at rate/100 per second plus up to 1000/POLL_MS polls per sampled trace.
    await ctx.keys.prepare(
      Math.ceil(
        ((cfg.freshnessRunMs * cfg.reps + 30_000) / 1000) *
          (rate / 100 + 20 * cfg.freshnessSamplesPerSec * 5),
      ),
    );

    // Warm-up until a trace is readable: the writer has joined its group and consumes.
    const warm = await steadyLoad(ctx, {
      ...loadOpts,
      sampleEvery: Math.max(1, Math.round(rate / SPANS_PER_REQUEST)),
      durationMs: 30_000,
      stopWhenSeen: true,
    });
    if (!warm.lags.length) throw new Error('warm-up: no trace became readable within 30 s');
    let sentSpans = warm.spans;
    ctx.log(`  warm-up: first trace readable after ${warm.lags[0].toFixed(0)} ms`);

    const lagRuns = [];
    const lags = [];
    const traceIds = [];
    let achieved = 0;
    for (let r = 0; r < cfg.reps; r++) {
      const run = await steadyLoad(ctx, { ...loadOpts, durationMs: cfg.freshnessRunMs });
      sentSpans += run.spans;
      if (run.failed) ctx.log(`    run ${r + 1}: ${run.failed} failed`);
      lagRuns.push(median(run.lags));
      for (const v of run.lags) lags.push(v);
      for (const id of run.traceIds) traceIds.push(id);
      achieved += run.spans / (cfg.freshnessRunMs / 1000) / cfg.reps;
    }
    // Errors the services logged meanwhile (last three each), to explain failed samples.
    const errs = procs.map((p) =>
      p
        .output()
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l))
        .slice(-3),
    );
    for (const [j, lines] of errs.entries())
      for (const l of lines) ctx.log(`    ${procs[j].name}: ${l.slice(0, 400)}`);
    ctx.log(`    median lag per run: ${lagRuns.map((v) => `${v?.toFixed(0)} ms`).join(', ')}`);
    ctx.log(
      `  freshness at ${rate} spans/s offered (${achieved.toFixed(0)} accepted): p50 ${percentile(lags, 50)?.toFixed(0)} ms, p99 ${percentile(lags, 99)?.toFixed(0)} ms over ${lags.length} traces`,
    );
    out.push(
      result({
        scenario: `freshness_lag_at_${rate}_spans_per_s`,
        unit: 'ms',
        runs: lagRuns,
        samples: lags,
        rssMb: peakRssMb(procs[1].child.pid),
        higherIsBetter: false,
      }),
    );

    // Trace by id over stored traces: wait until everything sent is stored.
    for (
      let i = 0;
      i < 600 && (await retryTransient('count', () => countSpans(ctx.ch, ctx.org), ctx.log)) < sentSpans;
      i++
    )
      await sleep(100);
    const ids = traceIds.filter((_, i) => i % Math.max(1, Math.floor(traceIds.length / 500)) === 0);
    const agent = keepAliveAgent(1);
    const viaApi = async (id) => {
      const res = await send(agent, {
        url: `${queryUrl}/v1/traces/${id}`,
        headers: { authorization: `Bearer ${ctx.keys.take()}` },
      });
      if (res.status !== 200) throw new Error(`GET trace ${id}: ${res.status} ${res.text.slice(0, 200)}`);
    };
    const scope = { org_id: ctx.org, env: 'live' };
    const viaSql = async (id) => {
      const t = await retryTransient('getTrace', () => getTrace(ctx.ch, { ...scope, trace_id: id }), ctx.log);
      if (!t) throw new Error(`trace ${id} not found by SQL`);
    };
    await ctx.keys.prepare(cfg.readCount * (cfg.reps + 1) + 100);
    const api = { runs: [], samples: [] };
    const sql = { runs: [], samples: [] };
    try {
      await timeReads(cfg.readWarmup, ids, viaApi);
      await timeReads(cfg.readWarmup, ids, viaSql);
      for (let r = 0; r < cfg.reps; r++) {
        // Interleaved runs: noise on this shared machine hits both sides alike.
        for (const [side, read] of [
          [api, viaApi],
          [sql, viaSql],
        ]) {
          const lat = await timeReads(cfg.readCount, ids, read, r * cfg.readCount);
          side.runs.push(median(lat));
          for (const v of lat) side.samples.push(v);
        }
      }
    } finally {
      agent.destroy();
    }
    ctx.log(
      `  trace by id over ${ids.length} traces: API p50 ${percentile(api.samples, 50)?.toFixed(1)} ms, SQL p50 ${percentile(sql.samples, 50)?.toFixed(1)} ms`,
    );
    out.push(
      result({
        scenario: 'trace_by_id_latency',
        unit: 'ms',
        runs: api.runs,
        samples: api.samples,
        ceiling: median(sql.runs),
        rssMb: peakRssMb(procs[2].child.pid),
        higherIsBetter: false,
      }),
    );
    return out;
  } finally {
    for (const p of procs.reverse()) await stopChild(p);
  }
}
