import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBatch } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

// The per-address limit on failed authentications in front of key verification (key guessing),
// across two ingest replicas sharing Redis. Addresses come from X-Forwarded-For (trust proxy on), a
// fresh one per test, so no other test's failures count.
const LIMIT = 5;
const env = { MESH_TRACE_AUTH_FAILURES_PER_MINUTE: String(LIMIT), MESH_TRACE_TRUST_PROXY: 'true' };
const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

let a: Pipeline;
let b: Pipeline;
let key: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startPipeline(['ingest'], env), startPipeline(['ingest'], env)]);
  key = await a.key(['ingest']);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const send = (p: Pipeline, from: string, apiKey: string) =>
  fetch(`${p.ingestUrl}/v1/traces/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${apiKey}`,
      'x-forwarded-for': from,
    },
    body: JSON.stringify(sampleBatch().body),
  });
const WRONG = `mtk_live_${'x'.repeat(40)}`;

describe('failed-authentication limit per client address', () => {
  it('never throttles a client for the requests it has in flight, however many', async () => {
    const from = address();
    const statuses = await Promise.all(
      Array.from({ length: 8 * LIMIT }, () => send(a, from, key).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
  });

  it("counts one address's failures on every replica; at the limit its requests get 429, others' do not", async () => {
    const from = address();
    for (let i = 0; i < 3; i++) expect((await send(a, from, WRONG)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await send(b, from, WRONG)).status).toBe(401);
    // B counted the fifth failure: from now on it refuses the address before looking at its key.
    const limited = await waitFor('429 from the replica that saw the limit', async () => {
      const res = await send(b, from, key);
      return res.status === 429 ? res : undefined;
    });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: 'Rate limit exceeded', code: 'rate_limited' });
    // A learns it at its next failure from the address: one more attempt there, then 429 too.
    expect((await send(a, from, WRONG)).status).toBe(401);
    await waitFor('429 from the other replica', async () =>
      (await send(a, from, key)).status === 429 ? true : undefined,
    );
    // Another address is not affected, on either replica.
    const other = address();
    expect((await send(a, other, key)).status).toBe(202);
    expect((await send(b, other, WRONG)).status).toBe(401);
    expect((await send(b, other, key)).status).toBe(202);
  });
});
