import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

const hex = (n: number) => randomBytes(n).toString('hex');

// One trace can fill a whole 5 MiB batch. Kafka refuses messages over its message.max.bytes (1 MiB by
// default), so ingest must not put a trace's items into one message however many there are.
describe('a single trace larger than a Kafka message', () => {
  let pipe: Pipeline;
  let key: string;

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'writer', 'query']);
    key = await pipe.key(['ingest', 'read']);
  });
  afterAll(async () => {
    await pipe?.stop();
  });

  it('accepts a 4 MB one-trace batch (incompressible attributes) and stores every span', async () => {
    const traceId = hex(16);
    const now = Date.now();
    const spans = Array.from({ length: 3_500 }, (_, i) => ({
      trace_id: traceId,
      span_id: hex(8),
      name: `step-${i}`,
      service: 'big',
      start_time: new Date(now - 60_000 + i).toISOString(),
      end_time: new Date(now - 59_000 + i).toISOString(),
      attributes: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`blob.${k}`, hex(64)])),
    }));
    const body = JSON.stringify({ spans });
    expect(body.length).toBeGreaterThan(4_000_000);
    const res = await fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status, await res.text()).toBe(202);
    const stored = await waitFor(
      'every span stored',
      async () => {
        const r = await fetch(`${pipe.queryUrl}/v1/traces/${traceId}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        if (r.status !== 200) return undefined;
        const t = (await r.json()) as { span_count: number; spans: { span_id: string }[] };
        return t.span_count === spans.length ? t : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(new Set(stored.spans.map((s) => s.span_id))).toEqual(new Set(spans.map((s) => s.span_id)));
  });
});
