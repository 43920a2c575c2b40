import { freePort } from '../../packages/e2e/dist/index.js';
import { cpuSeconds, peakRssMb, startChild, stopChild } from '../lib/children.mjs';
import { SpanGenerator } from '../lib/generator.mjs';
import { keepAliveAgent } from '../lib/http-client.mjs';
import { closedLoop, openLoop } from '../lib/load.mjs';
import { median, percentile, result } from '../lib/stats.mjs';

/** Pre-serialised request bodies, cycled: the load generator spends no time building payloads. */
function payloadPool(ctx, spansPerRequest) {
  const gen = new SpanGenerator(ctx.seed, ctx.baseMs);
  const count = Math.max(8, Math.ceil(ctx.cfg.poolSpans / spansPerRequest));
  const bodies = [];
  for (let i = 0; i < count; i++) bodies.push(Buffer.from(JSON.stringify(gen.batch(spansPerRequest).body)));
  return bodies;
}

/** Sum of a Prometheus metric's samples (all label sets) on `url`/metrics; null when unavailable. */
async function metricSum(url, name) {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
    }
    return sum;
  } catch {
    return null;
  }
}

/**
 * Warm-up, then saturation runs (closed loop), then latency runs at `latencyRate` spans/s (open loop).
 * `path`, `contentType` and `okStatus` select the endpoint (the OTLP scenario reuses this).
 */
export async function measure(
  ctx,
  { url, bodies, spansPerRequest, concurrency, auth, latencyRate, pid, ...endpoint },
) {
  const { cfg } = ctx;
  const { path = '/v1/traces/batch', contentType = 'application/json', okStatus = 202 } = endpoint;
  let i = 0;
  const next = () => {
    const body = bodies[i++ % bodies.length];
    const headers = { 'content-type': contentType };
    if (auth) headers.authorization = `Bearer ${ctx.keys.take()}`;
    return { req: { method: 'POST', url: `${url}${path}`, headers, body }, count: spansPerRequest };
  };
  // Generous upper bound of requests for the key pool: 3,000 requests/s over every phase.
  const phasesMs = cfg.warmupMs + cfg.reps * cfg.ingestRunMs * 2;
  if (auth) await ctx.keys.prepare(Math.ceil((phasesMs / 1000) * 3_000));
  const agent = keepAliveAgent(64);
  try {
    const warm = await closedLoop({ agent, concurrency, durationMs: cfg.warmupMs, next, okStatus });
    if (warm.ok === 0) throw new Error(`warm-up: no request accepted: ${warm.firstError}`);
    const throughput = [];
    let failed = 0;
    let items = 0;
    let requests = 0;
    let busyMs = 0;
    const cpu0 = cpuSeconds(pid);
    const produce0 = auth ? await metricSum(url, 'mesh_trace_ingest_produce_seconds_sum') : null;
    const produced0 = auth ? await metricSum(url, 'mesh_trace_ingest_produce_seconds_count') : null;
    for (let r = 0; r < cfg.reps; r++) {
      const run = await closedLoop({ agent, concurrency, durationMs: cfg.ingestRunMs, next, okStatus });
      if (run.failed) ctx.log(`    run ${r + 1}: ${run.failed} failed requests, first: ${run.firstError}`);
      failed += run.failed;
      items += run.items;
      requests += run.ok;
      busyMs += run.elapsedMs * concurrency;
      throughput.push(run.items / (run.elapsedMs / 1000));
    }
    // CPU microseconds the server process spent per accepted span at saturation.
    const cpuUsPerSpan = cpu0 === null ? null : ((cpuSeconds(pid) - cpu0) * 1e6) / items;
    // Share of a request's time spent waiting for the Kafka produce (ingest's own histogram), the
    // request time by Little's law (in-flight requests x elapsed / answered requests).
    let produceShare = null;
    if (produce0 !== null && produced0 !== null) {
      const sum = await metricSum(url, 'mesh_trace_ingest_produce_seconds_sum');
      const count = await metricSum(url, 'mesh_trace_ingest_produce_seconds_count');
      if (sum !== null && count > produced0 && requests > 0)
        produceShare = (((sum - produce0) / (count - produced0)) * 1000) / (busyMs / requests);
    }
    const peak = median(throughput);
    const rate = latencyRate ?? peak / 2;
    const latencyRuns = [];
    const samples = [];
    for (let r = 0; r < cfg.reps; r++) {
      const run = await openLoop({
        agent,
        ratePerSec: rate / spansPerRequest,
        durationMs: cfg.ingestRunMs,
        next,
        okStatus,
      });
      if (run.failed || run.skipped)
        ctx.log(
          `    latency run ${r + 1}: ${run.failed} failed, ${run.skipped} skipped; ${run.firstError ?? ''}`,
        );
      failed += run.failed;
      latencyRuns.push(percentile(run.latencies, 50));
      for (const v of run.latencies) samples.push(v);
    }
    return { throughput, peak, rate, latencyRuns, samples, failed, cpuUsPerSpan, produceShare };
  } finally {
    agent.destroy();
  }
}

/** One ingest process on its own topic and a free port, limits out of the way of the load. */
export async function startIngestChild(ctx, topic) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ingest = await startChild(
    'ingest',
    'services/ingest/dist/main.js',
    {
      ...ctx.serviceEnv,
      MESH_TRACE_TOPIC: topic,
      MESH_TRACE_INGEST_HOST: '127.0.0.1',
      MESH_TRACE_INGEST_PORT: String(port),
      MESH_TRACE_RATE_LIMIT_PER_MINUTE: '10000',
    },
    `${url}/readyz`,
  );
  return { url, ingest };
}

/** Scenario 1 and 2 for one request size: the real ingest against the bare node:http + kafkajs ceiling. */
export async function ingestScenario(ctx, spansPerRequest, concurrency) {
  const bodies = payloadPool(ctx, spansPerRequest);
  const bytes = bodies.reduce((n, b) => n + b.length, 0) / (bodies.length * spansPerRequest);
  ctx.log(`  ${bodies.length} distinct bodies of ${spansPerRequest} spans, ${bytes.toFixed(0)} B/span`);
  ctx.spanBytes = bytes;

  const { url, ingest } = await startIngestChild(ctx, `${ctx.prefix}-ingest-${spansPerRequest}`);
  let ours;
  let rss;
  try {
    ours = await measure(ctx, {
      url,
      bodies,
      spansPerRequest,
      concurrency,
      auth: true,
      pid: ingest.child.pid,
    });
    rss = peakRssMb(ingest.child.pid);
  } finally {
    await stopChild(ingest);
  }
  ctx.log(
    `  ingest: ${ours.throughput.map((v) => v.toFixed(0)).join(', ')} spans/s; p50 ${percentile(ours.samples, 50)?.toFixed(1)} ms at ${ours.rate.toFixed(0)} spans/s; ${ours.cpuUsPerSpan?.toFixed(0)} CPU-us/span; ${ours.produceShare === null ? '?' : (ours.produceShare * 100).toFixed(0)}% of request time waiting for Kafka; peak RSS ${rss?.toFixed(0)} MB`,
  );

  const cport = await freePort();
  const curl = `http://127.0.0.1:${cport}`;
  const ceilingProc = await startChild(
    'ingest-ceiling',
    'bench/ceiling-ingest-server.mjs',
    {
      KAFKA_BROKERS: ctx.stack.KAFKA_BROKERS,
      KAFKA_COMPRESSION: ctx.serviceEnv.KAFKA_COMPRESSION,
      BENCH_CEILING_TOPIC: `${ctx.prefix}-ceiling-${spansPerRequest}`,
      BENCH_CEILING_PORT: String(cport),
    },
    `${curl}/readyz`,
  );
  let ceiling;
  try {
    // Latency is compared at the same offered load: half of *our* peak.
    ceiling = await measure(ctx, {
      url: curl,
      bodies,
      spansPerRequest,
      concurrency,
      auth: false,
      latencyRate: ours.rate,
      pid: ceilingProc.child.pid,
    });
  } finally {
    await stopChild(ceilingProc);
  }
  ctx.log(
    `  ceiling: ${ceiling.throughput.map((v) => v.toFixed(0)).join(', ')} spans/s; p50 ${percentile(ceiling.samples, 50)?.toFixed(1)} ms at the same rate; ${ceiling.cpuUsPerSpan?.toFixed(0)} CPU-us/span`,
  );

  return measuredRows(`ingest_json_${spansPerRequest}_spans_per_request`, ours, ceiling, rss);
}

/** The throughput row and the latency row of one measured endpoint beside its reference. */
export function measuredRows(prefix, ours, reference, rssMb) {
  return [
    result({
      scenario: `${prefix}_throughput`,
      unit: 'spans/s',
      runs: ours.throughput,
      ceiling: reference.peak,
      rssMb,
    }),
    result({
      scenario: `${prefix}_latency_at_50pct_peak`,
      unit: 'ms',
      runs: ours.latencyRuns,
      samples: ours.samples,
      ceiling: median(reference.latencyRuns),
      rssMb,
      higherIsBetter: false,
    }),
  ];
}
