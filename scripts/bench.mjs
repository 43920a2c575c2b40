#!/usr/bin/env node
// Mesh-Trace benchmarks against the running dev stack (deploy/stack/up.sh): ingest, writer,
// freshness and trace-by-id, each beside a ceiling (the same work without the service around it).
// This process is the load generator; every service runs as its own child process, and every child
// is stopped on exit, success or failure. Results: bench-results.json and a Markdown table.
//
//   node scripts/bench.mjs                 full run (under 20 minutes)
//   BENCH_QUICK=1 node scripts/bench.mjs   quick run (under 3 minutes)
//   BENCH_DOCS=1                           charts to docs/img/ (default bench-charts/, gitignored)
//   BENCH_ONLY=ingest,otlp,writer,read,query  a subset;  BENCH_SEED=42  the payload seed
//   KAFKA_COMPRESSION=lz4|gzip|none       the services' and ceilings' record-batch codec (lz4)
// Method and latest figures: docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { runCharts } from '../bench/lib/charts.mjs';
import { installExitHandlers, stopAll } from '../bench/lib/children.mjs';
import { kafkajs, REPO_ROOT } from '../bench/lib/deps.mjs';
import { KeyPool } from '../bench/lib/keys.mjs';
import { markdownTable } from '../bench/lib/stats.mjs';
import { ingestScenario } from '../bench/scenarios/ingest.mjs';
import { liveScenario } from '../bench/scenarios/live.mjs';
import { otlpScenario } from '../bench/scenarios/otlp.mjs';
import { queryScaleScenarios } from '../bench/scenarios/query-scale.mjs';
import { readPathScenarios } from '../bench/scenarios/read-path.mjs';
import { writerScenario } from '../bench/scenarios/writer.mjs';
import { stackEnv } from '../packages/e2e/dist/index.js';
import { createClickHouse, migrateAt } from '../packages/storage/dist/index.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'ingest,otlp,writer,read,query,live').split(',').map((s) => s.trim()),
);

const cfg = QUICK
  ? {
      warmupMs: 1_000,
      reps: 3,
      ingestRunMs: 2_000,
      poolSpans: 20_000,
      writerSpans: 120_000,
      writerReps: 1,
      writerTimeoutMs: 90_000,
      freshnessSpansPerSec: 2_000,
      freshnessSamplesPerSec: 4,
      freshnessRunMs: 5_000,
      readWarmup: 10,
      readCount: 50,
      scaleSpans: 500_000,
      scaleReads: 20,
      scaleWarmup: 5,
      scaleDeepPage: 5,
    }
  : {
      warmupMs: 3_000,
      reps: 5,
      ingestRunMs: 5_000,
      poolSpans: 50_000,
      writerSpans: 500_000,
      writerReps: 3,
      writerTimeoutMs: 300_000,
      freshnessSpansPerSec: 5_000,
      freshnessSamplesPerSec: 4,
      freshnessRunMs: 15_000,
      readWarmup: 30,
      readCount: 150,
      scaleSpans: 10_000_000,
      scaleReads: 60,
      scaleWarmup: 5,
      scaleDeepPage: 20,
    };
if (process.env.BENCH_FRESHNESS_RATE) cfg.freshnessSpansPerSec = Number(process.env.BENCH_FRESHNESS_RATE);

const started = performance.now();
const log = (msg) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    load_avg_at_start: os.loadavg().map((v) => Number(v.toFixed(2))),
  };
}

/** Only loopback: the benchmark never sends anything off this machine. */
function assertLoopback(stack) {
  const hosts = [
    ...stack.KAFKA_BROKERS.split(',').map((b) => b.split(':')[0]),
    new URL(stack.REDIS_URL).hostname,
    new URL(stack.CLICKHOUSE_URL).hostname,
  ];
  for (const h of hosts)
    if (h !== '127.0.0.1') throw new Error(`bench targets 127.0.0.1 only; stack has ${h}`);
}

/**
 * Deletes this run's Kafka topics and consumer groups, and those of interrupted runs more than an hour
 * old (`bench-<base-36 start time>-…`), best effort and bounded.
 */
async function cleanupKafka(kafka, prefix) {
  const ours = (name) => {
    if (name.startsWith(prefix)) return true;
    const m = /^bench-([0-9a-z]{8,9})-(ingest|ceiling|writer|fresh)/.exec(name);
    return m !== null && Date.now() - Number.parseInt(m[1], 36) > 3_600_000;
  };
  const admin = kafka.admin();
  const work = (async () => {
    await admin.connect();
    // Groups first: deleting a topic can drop its (empty) group before deleteGroups reaches it.
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter(ours);
    if (mine.length) await admin.deleteGroups(mine).catch(() => {});
    const topics = (await admin.listTopics()).filter(ours);
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
  })();
  let timer;
  await Promise.race([work, new Promise((r) => (timer = setTimeout(r, 20_000)))])
    .catch((err) => log(`cleanup: ${err.message}`))
    .finally(() => clearTimeout(timer));
  await admin.disconnect().catch(() => {});
}

async function main() {
  installExitHandlers();
  const stack = stackEnv();
  assertLoopback(stack);
  const info = machine();
  log(
    `mode ${QUICK ? 'QUICK' : 'full'}; ${info.nproc} cpus (${info.cpu}), ${info.memory_gb} GB, node ${info.node}`,
  );

  const ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
  if (!(await ch.ping()).success)
    throw new Error(`ClickHouse not answering on ${stack.CLICKHOUSE_URL}: start the stack`);
  await migrateAt({ url: stack.CLICKHOUSE_URL }, { retentionDays: 30 });
  const kafka = new kafkajs.Kafka({
    clientId: 'mesh-trace-bench',
    brokers: stack.KAFKA_BROKERS.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const runId = Date.now().toString(36);
  const org = `bench-${runId}`;
  const ctx = {
    cfg,
    stack,
    ch,
    kafka,
    org,
    prefix: `bench-${runId}`,
    seed: Number(process.env.BENCH_SEED ?? 42),
    baseMs: Date.now(),
    keys: new KeyPool(ch, org),
    log,
    serviceEnv: {
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      REDIS_URL: stack.REDIS_URL,
      CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
      MESH_TRACE_RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'warn',
      // The ingest ceiling and the writer's pre-produced topic use the same codec as the services.
      KAFKA_COMPRESSION: process.env.KAFKA_COMPRESSION ?? 'lz4',
    },
  };
  const scenarios = [
    ['ingest', 'ingest, 100 spans/request, 16 in flight', () => ingestScenario(ctx, 100, 16)],
    ['ingest', 'ingest, 1,000 spans/request, 8 in flight', () => ingestScenario(ctx, 1_000, 8)],
    // A quick run measures OTLP at one request size only (the 3-minute budget).
    ...(QUICK
      ? []
      : [
          [
            'otlp',
            'OTLP protobuf vs JSON batch, 100 spans/request, 16 in flight',
            () => otlpScenario(ctx, 100, 16),
          ],
        ]),
    [
      'otlp',
      'OTLP protobuf vs JSON batch, 1,000 spans/request, 8 in flight',
      () => otlpScenario(ctx, 1_000, 8),
    ],
    ['writer', `writer, ${cfg.writerSpans} spans x ${cfg.writerReps}`, () => writerScenario(ctx)],
    ['read', 'freshness lag and trace by id', () => readPathScenarios(ctx)],
    ['live', 'live SSE: span latency and 1,000 idle connections', () => liveScenario(ctx)],
    [
      'query',
      `queries over ${cfg.scaleSpans.toLocaleString('en')} stored spans`,
      () => queryScaleScenarios(ctx),
    ],
  ];
  const results = [];
  let failures = 0;
  try {
    for (const [group, title, run] of scenarios) {
      if (!ONLY.has(group)) continue;
      log(title);
      try {
        results.push(...(await run()));
      } catch (err) {
        failures++;
        log(`FAILED: ${err.stack ?? err}`);
        await stopAll();
      }
    }
  } finally {
    await stopAll();
    await cleanupKafka(kafka, ctx.prefix);
    await ch.close();
  }

  const out = {
    mode: QUICK ? 'quick' : 'full',
    finished_at: new Date().toISOString(),
    duration_s: Number(((performance.now() - started) / 1000).toFixed(1)),
    machine: { ...info, load_avg_at_end: os.loadavg().map((v) => Number(v.toFixed(2))) },
    span_bytes_avg: ctx.spanBytes ? Math.round(ctx.spanBytes) : null,
    config: cfg,
    results,
  };
  writeFileSync(`${REPO_ROOT}bench-results.json`, `${JSON.stringify(out, null, 2)}\n`);
  // Charts go next to the results; BENCH_DOCS=1 writes them where docs/benchmarks.md shows them.
  const chartDir = process.env.BENCH_DOCS === '1' ? `${REPO_ROOT}docs/img` : `${REPO_ROOT}bench-charts`;
  mkdirSync(chartDir, { recursive: true });
  const caption = `${out.mode} run, ${info.nproc} cpus, ${out.finished_at.slice(0, 10)}`;
  for (const [name, svg] of Object.entries(runCharts(results, caption)))
    writeFileSync(`${chartDir}/${name}`, svg);
  console.log(`\n${markdownTable(results)}\n`);
  log(
    `load average at start ${info.load_avg_at_start.join(' ')}, now ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  log(`wrote bench-results.json (${results.length} results, ${failures} scenario(s) failed)`);
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench: ${err.stack ?? err}`);
    process.exit(1);
  },
);
