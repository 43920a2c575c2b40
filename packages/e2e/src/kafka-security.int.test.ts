import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';
import { freePort, spawnService } from './processes.js';
import { stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

const hex = (n: number) => randomBytes(n).toString('hex');

// Managed Kafka services require SASL (and TLS). The dev broker has a SASL/PLAIN listener
// (deploy/stack/up.sh); ingest and writer talk to it with KAFKA_SASL_* and nothing else changed.
describe('Kafka with SASL authentication', () => {
  const stack = stackEnv();
  let pipe: Pipeline;

  beforeAll(async () => {
    expect(
      stack.KAFKA_SASL_BROKERS,
      'the dev stack has a SASL listener (restart it with up.sh)',
    ).toBeTruthy();
    pipe = await startPipeline(['ingest', 'writer', 'query'], {
      KAFKA_BROKERS: stack.KAFKA_SASL_BROKERS ?? '',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: stack.KAFKA_SASL_USERNAME ?? '',
      KAFKA_SASL_PASSWORD: stack.KAFKA_SASL_PASSWORD ?? '',
    });
  });
  afterAll(async () => {
    await pipe?.stop();
  });

  it('accepts, stores and serves a trace through the authenticated listener', async () => {
    const key = await pipe.key(['ingest', 'read']);
    const traceId = hex(16);
    const now = new Date().toISOString();
    const res = await fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        spans: [
          { trace_id: traceId, span_id: hex(8), name: 'op', service: 'svc', start_time: now, end_time: now },
        ],
      }),
    });
    expect(res.status).toBe(202);
    await waitFor('trace stored via SASL', async () => {
      const r = await fetch(`${pipe.queryUrl}/v1/traces/${traceId}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return r.status === 200 ? true : undefined;
    });
  });

  const spawnIngest = async (env: Record<string, string>) => {
    const port = await freePort();
    const proc = await spawnService('ingest', 'services/ingest/dist/main.js', {
      REDIS_URL: stack.REDIS_URL,
      CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
      KAFKA_BROKERS: stack.KAFKA_SASL_BROKERS ?? '',
      MESH_TRACE_INGEST_HOST: '127.0.0.1',
      MESH_TRACE_INGEST_PORT: String(port),
      MESH_TRACE_RUN_MIGRATIONS: 'false',
      ...env,
    });
    return { proc, port };
  };

  it('never becomes ready with a wrong password, and says why', async () => {
    const { proc, port } = await spawnIngest({
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: stack.KAFKA_SASL_USERNAME ?? '',
      KAFKA_SASL_PASSWORD: 'wrong',
    });
    try {
      await new Promise((r) => setTimeout(r, 4_000));
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 'no answer',
      );
      expect(ready).not.toBe(200);
      expect(proc.output()).toMatch(/SASL|[Aa]uthentication/);
    } finally {
      await proc.stop(5_000);
    }
  });

  it('refuses an incomplete SASL configuration at start with one line naming the variable', async () => {
    const { proc } = await spawnIngest({ KAFKA_SASL_MECHANISM: 'plain' });
    const code = await new Promise<number | null>((resolve) => {
      if (proc.child.exitCode !== null) resolve(proc.child.exitCode);
      proc.child.once('exit', (c) => resolve(c));
    });
    expect(code).toBe(1);
    expect(proc.output()).toMatch(
      /invalid configuration: KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set/,
    );
  });
});
