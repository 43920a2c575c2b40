import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSampleTrace, sampleComplete } from './assert-trace.js';
import { sampleBatch } from './fixtures.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { waitFor } from './wait-for.js';

// The all-in-one process: ingest, writer, query, in-process queue, embedded ClickHouse.
describe('all-in-one: first trace end to end', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let proc: ServiceProcess | undefined;
  let ingestUrl: string;
  let queryUrl: string;

  const start = () =>
    spawnService('all-in-one', 'services/all-in-one/dist/main.js', env, `${queryUrl}/readyz`);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-trace-aio-'));
    const [q, i] = await Promise.all([freePort(), freePort()]);
    ingestUrl = `http://127.0.0.1:${i}`;
    queryUrl = `http://127.0.0.1:${q}`;
    env = {
      MESH_TRACE_HOST: '127.0.0.1',
      MESH_TRACE_QUERY_PORT: String(q),
      MESH_TRACE_INGEST_PORT: String(i),
      MESH_TRACE_DATA_DIR: dataDir,
    };
    proc = await start();
  });

  afterAll(async () => {
    await proc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates an admin key on first start and prints it', async () => {
    const key = (await readFile(join(dataDir, 'dev-admin-key'), 'utf8')).trim();
    expect(key).toMatch(/^mtk_live_[A-Za-z0-9]{40}$/);
    expect(proc?.output()).toContain(key);
  });

  it('serves a trace posted to ingest on the query port, and keeps it across a restart', async () => {
    const key = (await readFile(join(dataDir, 'dev-admin-key'), 'utf8')).trim();
    const sample = sampleBatch();
    const posted = Date.now();
    const res = await fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(sample.body),
    });
    expect(res.status).toBe(202);
    const read = () =>
      fetch(`${queryUrl}/v1/traces/${sample.traceId}`, { headers: { authorization: `Bearer ${key}` } });
    const trace = await waitFor(
      'trace readable',
      async () => {
        const r = await read();
        const t = r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
        return t && sampleComplete(t) ? t : undefined;
      },
      { intervalMs: 25 },
    );
    // Freshness is reported, not asserted: speed targets are measured by `make bench`.
    console.info(`all-in-one freshness: readable ${Date.now() - posted} ms after the POST`);
    expectSampleTrace(trace, sample);

    expect(await proc?.stop()).toBe(0);
    proc = await start();
    const again = await read();
    expect(again.status).toBe(200);
    expectSampleTrace((await again.json()) as Record<string, unknown>, sample);
    expect(proc.output()).toContain(key);
  });
});
