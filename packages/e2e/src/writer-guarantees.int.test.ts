import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KafkaBus } from '@mesh-trace/bus';
import { encodeCompletion, encodeTraceMessages, nowNs, parseBatch } from '@mesh-trace/schema';
import { type ClickHouseClient, createClickHouse, getTrace, migrate } from '@mesh-trace/storage';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSpanId, randomTraceId } from './fixtures.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { REPO_ROOT, stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

const LIMITS = { maxItems: 100_000, retentionNs: 30n * 86_400_000_000_000n };

function pidOf(component: 'clickhouse' | 'kafka'): number {
  return Number(readFileSync(`${REPO_ROOT}.stack/${component}.pid`, 'utf8').trim());
}

/** One message per trace: a root span in `api` and a child in `db`. */
function traceRecords(org: string, count: number) {
  const now = Date.now();
  const spans = [];
  for (let i = 0; i < count; i++) {
    const trace_id = randomTraceId();
    const root = randomSpanId();
    const start = new Date(now - 60_000 + i).toISOString();
    const end = new Date(now - 59_000 + i).toISOString();
    spans.push({ trace_id, span_id: root, name: 'GET /', service: 'api', start_time: start, end_time: end });
    spans.push({
      trace_id,
      span_id: randomSpanId(),
      parent_span_id: root,
      name: 'SELECT',
      service: 'db',
      start_time: start,
      end_time: end,
    });
  }
  return encodeTraceMessages(parseBatch({ spans }, LIMITS), { org_id: org, env: 'live' }, nowNs());
}

// The writer against real Kafka and ClickHouse: crashes, outages, poison messages, ordering.
describe('writer guarantees', () => {
  const stack = stackEnv();
  const run = randomBytes(4).toString('hex');
  const topic = `e2e-writer-${run}`;
  let ch: ClickHouseClient;
  let bus: KafkaBus;
  let writer: ServiceProcess | undefined;
  let frozen = false;

  const startWriter = async () => {
    const port = await freePort();
    writer = await spawnService(
      'writer',
      'services/writer/dist/main.js',
      {
        KAFKA_BROKERS: stack.KAFKA_BROKERS,
        CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
        MESH_TRACE_TOPIC: topic,
        MESH_TRACE_WRITER_GROUP: `e2e-writer-${run}`,
        MESH_TRACE_WRITER_HOST: '127.0.0.1',
        MESH_TRACE_WRITER_PORT: String(port),
        // Small chunks: many insert/commit boundaries for the crash test to land between.
        MESH_TRACE_WRITER_MAX_ROWS: '300',
        MESH_TRACE_WRITER_RETRY_MAX_MS: '1000',
        // A SIGKILLed member must not hold its partitions for the default 30 s.
        MESH_TRACE_WRITER_SESSION_TIMEOUT_MS: '6000',
      },
      `http://127.0.0.1:${port}/readyz`,
    );
    return writer;
  };
  const ensureWriter = async () => {
    if (!writer || writer.child.exitCode !== null || writer.child.signalCode !== null) await startWriter();
  };
  const countSpans = async (org: string) => {
    const rs = await ch.query({
      query: 'SELECT count() AS n, uniqExact(span_id) AS u FROM spans_v1 WHERE org_id = {org:String}',
      query_params: { org },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ n: string; u: string }>();
    return { n: Number(r?.n), u: Number(r?.u) };
  };

  beforeAll(async () => {
    ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
    await migrate(ch, { retentionDays: 30 });
    bus = new KafkaBus({ brokers: stack.KAFKA_BROKERS.split(','), clientId: `e2e-${run}`, partitions: 3 });
    await bus.ensureTopics([topic, `${topic}.dlq`]);
    await bus.start();
  });

  afterAll(async () => {
    if (frozen) process.kill(pidOf('clickhouse'), 'SIGCONT');
    await writer?.stop();
    await bus?.stop();
    await ch?.close();
  });

  it('stores every span exactly once although the writer is SIGKILLed repeatedly', async () => {
    const org = `org_crash_${run}`;
    const records = traceRecords(org, 3000);
    for (let i = 0; i < records.length; i += 500) await bus.producer().send(topic, records.slice(i, i + 500));
    for (let kill = 0; kill < 4; kill++) {
      const w = await startWriter();
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 600)));
      w.child.kill('SIGKILL');
      await w.stop();
    }
    await startWriter();
    await waitFor('all spans stored', async () => ((await countSpans(org)).n >= 6000 ? true : undefined), {
      timeoutMs: 120_000,
    });
    // Settled: nothing more arrives, and nothing is doubled.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await countSpans(org)).toEqual({ n: 6000, u: 6000 });
  }, 180_000);

  it('waits out a frozen ClickHouse and then stores everything once', async () => {
    const org = `org_freeze_${run}`;
    await ensureWriter();
    const records = traceRecords(org, 600);
    await bus.producer().send(topic, records.slice(0, 200));
    process.kill(pidOf('clickhouse'), 'SIGSTOP');
    frozen = true;
    await bus.producer().send(topic, records.slice(200, 400));
    await new Promise((r) => setTimeout(r, 20_000));
    await bus.producer().send(topic, records.slice(400));
    process.kill(pidOf('clickhouse'), 'SIGCONT');
    frozen = false;
    await waitFor(
      'all spans stored after the outage',
      async () => ((await countSpans(org)).n >= 1200 ? true : undefined),
      { timeoutMs: 90_000 },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await countSpans(org)).toEqual({ n: 1200, u: 1200 });
    expect(writer?.child.exitCode).toBeNull();
  }, 150_000);

  it('dead-letters a poison message with its reason and original bytes, and moves on', async () => {
    const org = `org_poison_${run}`;
    await ensureWriter();
    const poison = Buffer.from('{"v":1,"org_id":"x" — not json');
    const good = traceRecords(org, 5);
    const key = good[0]?.key ?? 'k';
    await bus.producer().send(topic, [{ key, value: poison }, ...good.map((g) => ({ ...g, key }))]);
    await waitFor('messages after the poison stored', async () =>
      (await countSpans(org)).n === 10 ? true : undefined,
    );

    const kafka = new Kafka({
      clientId: `dlq-${run}`,
      brokers: stack.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `dlq-reader-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const seen: { value: Buffer | null; reason: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ value: message.value, reason: String(message.headers?.['x-dlq-reason'] ?? '') });
      },
    });
    try {
      const dead = await waitFor('dead letter', async () => seen.find((s) => s.value?.equals(poison)));
      expect(dead.reason).toBe('invalid_json');
    } finally {
      await consumer.disconnect();
    }
  });

  it('gives the same trace whether the completion reaches storage before or after the spans', async () => {
    const org = `org_order_${run}`;
    await ensureWriter();
    const [first, second] = [randomTraceId(), randomTraceId()];
    const spanOf = (trace_id: string) =>
      encodeTraceMessages(
        parseBatch(
          {
            spans: [
              {
                trace_id,
                span_id: randomSpanId(),
                name: 'run',
                service: 'agent',
                start_time: new Date(Date.now() - 1000).toISOString(),
                end_time: new Date().toISOString(),
              },
            ],
          },
          LIMITS,
        ),
        { org_id: org, env: 'live' },
        nowNs(),
      );
    const done = (trace_id: string) =>
      encodeCompletion(
        trace_id,
        { status: 'completed', output: { ok: true }, attributes: {} },
        { org_id: org, env: 'live' },
        nowNs(),
      );
    await bus.producer().send(topic, [done(first), ...spanOf(first)]);
    await bus.producer().send(topic, [...spanOf(second), done(second)]);
    const read = (trace_id: string) =>
      waitFor(`trace ${trace_id}`, async () => {
        const t = await getTrace(ch, { org_id: org, env: 'live', trace_id });
        return t && t.lifecycle === 'completed' && t.span_count === 1 ? t : undefined;
      });
    const [a, b] = await Promise.all([read(first), read(second)]);
    expect(a.completion).toEqual(b.completion);
    expect({ ...a, trace_id: '', spans: [], start_time: '', end_time: '', duration_ms: 0 }).toEqual({
      ...b,
      trace_id: '',
      spans: [],
      start_time: '',
      end_time: '',
      duration_ms: 0,
    });
  });

  it('records a service edge when the parent span arrives in a later batch than its child', async () => {
    const org = `org_edge_${run}`;
    await ensureWriter();
    const trace_id = randomTraceId();
    const parent = randomSpanId();
    const at = new Date(Date.now() - 5_000).toISOString();
    const one = (span: Record<string, unknown>) =>
      encodeTraceMessages(parseBatch({ spans: [span] }, LIMITS), { org_id: org, env: 'live' }, nowNs());
    await bus.producer().send(
      topic,
      one({
        trace_id,
        span_id: randomSpanId(),
        parent_span_id: parent,
        name: 'q',
        service: 'billing-db',
        start_time: at,
        end_time: at,
      }),
    );
    await waitFor('child stored', async () => ((await countSpans(org)).n === 1 ? true : undefined));
    await bus
      .producer()
      .send(
        topic,
        one({ trace_id, span_id: parent, name: 'charge', service: 'billing', start_time: at, end_time: at }),
      );
    await waitFor('edge recorded', async () => {
      const rs = await ch.query({
        query:
          'SELECT source, target, sum(calls) AS calls FROM service_edges_v1 WHERE org_id = {org:String} GROUP BY source, target',
        query_params: { org },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<{ source: string; target: string; calls: string }>();
      return rows.length ? rows : undefined;
    }).then((rows) => expect(rows).toEqual([{ source: 'billing', target: 'billing-db', calls: '1' }]));
  });
});
