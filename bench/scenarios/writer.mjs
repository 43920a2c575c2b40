import { compressionType } from '../../packages/bus/dist/index.js';
import { freePort } from '../../packages/e2e/dist/index.js';
import { encodeTraceMessages, nowNs, parseBatch } from '../../packages/schema/dist/index.js';
import { emptyRows, messageToRows } from '../../packages/storage/dist/index.js';
import { clickhousePid, cpuSeconds, peakRssMb, startChild, stopChild } from '../lib/children.mjs';
import { countSpans } from '../lib/clickhouse.mjs';
import { REPO_ROOT } from '../lib/deps.mjs';
import { SpanGenerator } from '../lib/generator.mjs';
import { sleep } from '../lib/http-client.mjs';
import { retryTransient } from '../lib/retry.mjs';
import { median, result } from '../lib/stats.mjs';

const RETENTION_NS = 30n * 86_400_000_000_000n;
const SPANS_PER_BATCH = 100;

/**
 * The same messages ingest would produce for `n` spans sent as 100-span requests: generated with the
 * bench seed, validated with parseBatch and split per trace with encodeTraceMessages.
 */
function* messages(ctx, orgId, n) {
  const gen = new SpanGenerator(ctx.seed + 1, ctx.baseMs);
  for (let sent = 0; sent < n; ) {
    const k = Math.min(SPANS_PER_BATCH, n - sent);
    const batch = parseBatch(gen.batch(k).body, { maxItems: 10_000, retentionNs: RETENTION_NS });
    yield encodeTraceMessages(batch, { org_id: orgId, env: 'live' }, nowNs());
    sent += k;
  }
}

/**
 * Produces the messages like ingest does (acks=-1, the services' compression, one produce per 100-span request), 8 sends
 * in flight. Keeps the message values when `keep` is given, for the ceiling's rows.
 */
async function preProduce(ctx, topic, orgId, n, keep) {
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const inflight = new Set();
    for (const records of messages(ctx, orgId, n)) {
      if (keep) keep.push(records.map((r) => r.value));
      const p = producer
        .send({
          topic,
          acks: -1,
          compression: compressionType(ctx.serviceEnv.KAFKA_COMPRESSION),
          messages: records.map((r) => ({ key: r.key, value: r.value })),
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= 8) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await producer.disconnect();
  }
}

/** One writer process, fresh group, on a topic holding exactly `n` spans: spans/s until all are stored. */
async function runWriter(ctx, topic, orgId, n) {
  const port = await freePort();
  let inserts = 0;
  const chPid = clickhousePid(REPO_ROOT);
  const chCpu0 = chPid && cpuSeconds(chPid);
  const started = performance.now();
  const writer = await startChild(
    'writer',
    'services/writer/dist/main.js',
    {
      ...ctx.serviceEnv,
      LOG_LEVEL: 'debug',
      MESH_TRACE_TOPIC: topic,
      MESH_TRACE_WRITER_GROUP: topic,
      MESH_TRACE_WRITER_HOST: '127.0.0.1',
      MESH_TRACE_WRITER_PORT: String(port),
    },
    `http://127.0.0.1:${port}/readyz`,
    (line) => {
      // One debug line per insert: `chunk_inserted` (rows) in the chunking writer, `batch_inserted`
      // (spans) before it. Only the number of inserts is used.
      if (!line.includes('_inserted')) return;
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'chunk_inserted' || rec.msg === 'batch_inserted') inserts++;
      } catch {}
    },
  );
  let first;
  let end;
  let last = 0;
  try {
    const deadline = performance.now() + ctx.cfg.writerTimeoutMs;
    while (performance.now() < deadline) {
      const c = await retryTransient('count', () => countSpans(ctx.ch, orgId), ctx.log);
      const now = performance.now();
      if (c > 0 && !first) first = { t: now, c };
      last = c;
      if (c >= n) {
        end = now;
        break;
      }
      await sleep(100);
    }
    const rss = peakRssMb(writer.child.pid);
    const cpu = {
      writer: cpuSeconds(writer.child.pid),
      clickhouse: chPid ? cpuSeconds(chPid) - chCpu0 : null,
    };
    if (!end) throw new Error(`writer stored ${last} of ${n} spans within ${ctx.cfg.writerTimeoutMs} ms`);
    // From the first stored rows to the last: the steady rate, without process start and group join.
    const rate = end > first.t ? (n - first.c) / ((end - first.t) / 1000) : n / ((end - started) / 1000);
    return { rate, wallMs: end - started, firstMs: first.t - started, inserts, rss, cpu };
  } finally {
    await stopChild(writer);
  }
}

/**
 * The ceiling: the same span rows inserted straight into spans_v1 with @clickhouse/client
 * (JSONEachRow), one insert at a time, `perInsert` spans each (the writer's average). Only the
 * inserts are timed; rows are built between them from the produced messages.
 */
async function bulkInsertCeiling(ctx, orgId, n, perInsert, kept) {
  let rows = [];
  let insertMs = 0;
  // ClickHouse CPU over the whole phase (background merges included), as for the writer's run.
  const chPid = clickhousePid(REPO_ROOT);
  const chCpu0 = chPid && cpuSeconds(chPid);
  const flush = async (count) => {
    const values = rows.slice(0, count);
    rows = rows.slice(count);
    // Only the successful attempt is timed.
    await retryTransient(
      'ceiling insert',
      async () => {
        const t = performance.now();
        await ctx.ch.insert({ table: 'spans_v1', values, format: 'JSONEachRow' });
        insertMs += performance.now() - t;
      },
      ctx.log,
    );
  };
  const source =
    kept ??
    (function* () {
      for (const records of messages(ctx, orgId, n)) yield records.map((r) => r.value);
    })();
  for (const values of source) {
    const into = emptyRows();
    for (const v of values) messageToRows(JSON.parse(v.toString('utf8')), into);
    for (const row of into.spans_v1) rows.push({ ...row, org_id: orgId });
    if (rows.length >= perInsert) await flush(perInsert);
  }
  for (let i = 0; i < 1_000 && rows.length; i++) await flush(Math.min(perInsert, rows.length));
  return {
    rate: n / (insertMs / 1000),
    chCpuUsPerSpan: chPid ? ((cpuSeconds(chPid) - chCpu0) * 1e6) / n : null,
  };
}

/** Scenario 3: writer throughput against a raw bulk insert of the same rows. */
export async function writerScenario(ctx) {
  const n = ctx.cfg.writerSpans;
  const rates = [];
  const ceilings = [];
  let rss = 0;
  for (let r = 0; r < ctx.cfg.writerReps; r++) {
    const topic = `${ctx.prefix}-writer-${r + 1}`;
    const orgId = `${ctx.org}-w${r + 1}`;
    const admin = ctx.kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
    // Message values kept for the ceiling when they fit comfortably in memory (QUICK), else rebuilt.
    const kept = n <= 600_000 ? [] : undefined;
    let t = performance.now();
    await preProduce(ctx, topic, orgId, n, kept);
    ctx.log(
      `  run ${r + 1}: produced ${n} spans to ${topic} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const w = await runWriter(ctx, topic, orgId, n);
    rates.push(w.rate);
    rss = Math.max(rss, w.rss ?? 0);
    const perSpan = (sec) => (sec === null || sec === undefined ? '?' : ((sec * 1e6) / n).toFixed(0));
    const perInsert = w.inserts ? Math.ceil(n / w.inserts) : 10_000;
    ctx.log(
      `  run ${r + 1}: writer ${w.rate.toFixed(0)} spans/s (first rows ${(w.firstMs / 1000).toFixed(1)} s, all ${(w.wallMs / 1000).toFixed(1)} s after spawn), ${w.inserts} inserts (~${perInsert} spans each), peak RSS ${w.rss?.toFixed(0)} MB; CPU-us/span: writer ${perSpan(w.cpu.writer)}, ClickHouse ${perSpan(w.cpu.clickhouse)}`,
    );
    t = performance.now();
    const c = await bulkInsertCeiling(ctx, `${ctx.org}-wc${r + 1}`, n, perInsert, kept);
    ceilings.push(c.rate);
    ctx.log(
      `  run ${r + 1}: ceiling ${c.rate.toFixed(0)} spans/s (bulk insert; ${((performance.now() - t) / 1000).toFixed(1)} s incl. building rows); ClickHouse ${c.chCpuUsPerSpan?.toFixed(0)} CPU-us/span`,
    );
  }
  return [
    result({
      scenario: 'writer_kafka_to_clickhouse_throughput',
      unit: 'spans/s',
      runs: rates,
      ceiling: median(ceilings),
      rssMb: rss || null,
    }),
  ];
}
