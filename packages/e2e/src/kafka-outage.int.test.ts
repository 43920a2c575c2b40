import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBatch } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { REPO_ROOT } from './stack-env.js';
import { waitFor } from './wait-for.js';

const PRODUCE_TIMEOUT_MS = 2_000;

/** The dev stack's broker, frozen with SIGSTOP: connections stay open but nothing answers. */
function kafkaPid(): number {
  const pid = Number(readFileSync(`${REPO_ROOT}.stack/kafka.pid`, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('no Kafka pid file: is the dev stack up?');
  return pid;
}

describe('ingest while Kafka is unavailable', () => {
  let pipe: Pipeline;
  let key: string;
  let org: string;
  let ingestUrl: string;
  let frozen = false;

  beforeAll(async () => {
    pipe = await startPipeline(
      ['ingest', 'writer'],
      {},
      { ingest: { MESH_TRACE_PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS) } },
    );
    ingestUrl = pipe.ingestUrl;
    org = `org_outage_${pipe.run}`;
    key = await pipe.key(['ingest', 'read'], { org, rate_limit_per_minute: 10_000 });
  });

  afterAll(async () => {
    if (frozen) process.kill(kafkaPid(), 'SIGCONT');
    await pipe?.stop();
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
        const rs = await pipe.ch.query({
          query:
            'SELECT uniqExact(trace_id) AS n FROM spans_v1 WHERE org_id = {org:String} AND trace_id IN {ids:Array(String)}',
          query_params: { org, ids },
          format: 'JSONEachRow',
        });
        const [row] = await rs.json<{ n: string }>();
        return Number(row?.n) === ids.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});
