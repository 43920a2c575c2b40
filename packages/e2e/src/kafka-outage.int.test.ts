import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createKey } from '@mesh-trace/auth';
import { type ClickHouseClient, createClickHouse, migrate } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBatch } from './fixtures.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { REPO_ROOT, stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

const PRODUCE_TIMEOUT_MS = 2_000;

/** The dev stack's broker, frozen with SIGSTOP: connections stay open but nothing answers. */
function kafkaPid(): number {
  const pid = Number(readFileSync(`${REPO_ROOT}.stack/kafka.pid`, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('no Kafka pid file: is the dev stack up?');
  return pid;
}

describe('ingest while Kafka is unavailable', () => {
  const stack = stackEnv();
  const run = randomBytes(4).toString('hex');
  let ch: ClickHouseClient;
  let key: string;
  let ingestUrl: string;
  const procs: ServiceProcess[] = [];
  let frozen = false;

  beforeAll(async () => {
    ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
    await migrate(ch, { retentionDays: 30 });
    key = (
      await createKey(ch, {
        org_id: `org_outage_${run}`,
        env: 'live',
        scopes: ['ingest', 'read'],
        rate_limit_per_minute: 10_000,
      })
    ).key;
    const [i, w] = await Promise.all([freePort(), freePort()]);
    ingestUrl = `http://127.0.0.1:${i}`;
    const common = {
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      REDIS_URL: stack.REDIS_URL,
      CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
      MESH_TRACE_TOPIC: `e2e-outage-${run}`,
    };
    procs.push(
      ...(await Promise.all([
        spawnService(
          'ingest',
          'services/ingest/dist/main.js',
          {
            ...common,
            MESH_TRACE_PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
            MESH_TRACE_INGEST_HOST: '127.0.0.1',
            MESH_TRACE_INGEST_PORT: String(i),
          },
          `${ingestUrl}/readyz`,
        ),
        spawnService(
          'writer',
          'services/writer/dist/main.js',
          {
            ...common,
            MESH_TRACE_WRITER_GROUP: `e2e-outage-${run}`,
            MESH_TRACE_WRITER_HOST: '127.0.0.1',
            MESH_TRACE_WRITER_PORT: String(w),
          },
          `http://127.0.0.1:${w}/readyz`,
        ),
      ])),
    );
  });

  afterAll(async () => {
    if (frozen) process.kill(kafkaPid(), 'SIGCONT');
    await Promise.all(procs.map((p) => p.stop()));
    await ch?.close();
  });

  it('answers 202 or 503 within the timeout, recovers, and stores everything it acknowledged', async () => {
    const acknowledged: string[] = [];
    const statuses: number[] = [];
    const send = async () => {
      const sample = sampleBatch();
      const started = Date.now();
      const res = await fetch(`${ingestUrl}/v1/traces/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(sample.body),
        signal: AbortSignal.timeout(PRODUCE_TIMEOUT_MS + 5_000),
      });
      const took = Date.now() - started;
      statuses.push(res.status);
      expect([202, 503]).toContain(res.status);
      expect(took).toBeLessThan(PRODUCE_TIMEOUT_MS + 3_000);
      if (res.status === 202) acknowledged.push(sample.traceId);
      else {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ code: 'dependency_unavailable' });
      }
    };

    for (let i = 0; i < 3; i++) await send();
    process.kill(kafkaPid(), 'SIGSTOP');
    frozen = true;
    await Promise.all([send(), send(), send()]);
    expect(statuses.slice(3)).toContain(503);
    expect((await fetch(`${ingestUrl}/readyz`)).status).toBe(503);
    process.kill(kafkaPid(), 'SIGCONT');
    frozen = false;

    // Recovery without a restart: requests are accepted again.
    await waitFor(
      'ingest accepting again',
      async () => {
        await send();
        return statuses.at(-1) === 202 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    const ids = [...new Set(acknowledged)];
    await waitFor(
      'every acknowledged trace stored',
      async () => {
        const rs = await ch.query({
          query:
            'SELECT uniqExact(trace_id) AS n FROM spans_v1 WHERE org_id = {org:String} AND trace_id IN {ids:Array(String)}',
          query_params: { org: `org_outage_${run}`, ids },
          format: 'JSONEachRow',
        });
        const [row] = await rs.json<{ n: string }>();
        return Number(row?.n) === ids.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});
