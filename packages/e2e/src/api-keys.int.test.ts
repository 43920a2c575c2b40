import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTraceId, sampleBatch } from './fixtures.js';
import { type Pipeline, startPipeline } from './pipeline.js';
import { freePort, spawnService } from './processes.js';
import { REPO_ROOT, type StackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${REPO_ROOT}packages/cli/dist/main.js`, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

// API keys (API.md §3) and rate limits (§4) across an ingest and a query process sharing Redis.
describe('API keys, scopes, revocation and rate limits', () => {
  let pipe: Pipeline;
  let stack: StackEnv;
  let org: string;
  let admin: string;
  let ingestUrl: string;
  let queryUrl: string;

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'query']);
    ({ ingestUrl, queryUrl, stack } = pipe);
    org = `org_keys_${pipe.run}`;
    admin = await pipe.key(['admin'], { org });
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  const api = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${queryUrl}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${key}`,
        ...(init.headers ?? {}),
      },
    });
  const ingest = (key: string, body: unknown = sampleBatch().body) =>
    fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mortem-api-key': key },
      body: JSON.stringify(body),
    });
  const createViaApi = async (body: Record<string, unknown>) => {
    const res = await api('/v1/api-keys', admin, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string; prefix: string; scopes: string[]; env: string };
  };

  it('creates keys shown once, lists them without secrets, and enforces scopes', async () => {
    const created = await createViaApi({ name: 'agent writer', scopes: ['ingest'] });
    expect(created.key).toMatch(/^mtk_live_/);
    expect(created.prefix).toBe(created.key.slice(0, 13));
    expect((await ingest(created.key)).status).toBe(202);
    // An ingest-only key cannot read, and a non-admin key cannot manage keys.
    expect((await api(`/v1/traces/${randomTraceId()}`, created.key)).status).toBe(403);
    expect((await api('/v1/api-keys', created.key)).status).toBe(403);
    const listed = await (await api('/v1/api-keys', admin)).json();
    const text = JSON.stringify(listed);
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain('key_hash');
    const bad = await api('/v1/api-keys', admin, {
      method: 'POST',
      body: JSON.stringify({ scopes: ['root'] }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as object).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'scopes[0]' })],
    });
  });

  it('makes a revoked key fail on another service within 5 seconds, and rotation swaps secrets', async () => {
    const k = await createViaApi({ scopes: ['ingest', 'read'] });
    expect((await ingest(k.key)).status).toBe(202);
    const revoked = await api(`/v1/api-keys/${k.id}`, admin, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    await waitFor(
      'revocation seen by ingest',
      async () => ((await ingest(k.key)).status === 401 ? true : undefined),
      {
        timeoutMs: 5_000,
        intervalMs: 200,
      },
    );

    const k2 = await createViaApi({ scopes: ['read'] });
    const rotated = await api(`/v1/api-keys/${k2.id}/rotate`, admin, { method: 'POST' });
    expect(rotated.status).toBe(201);
    const fresh = (await rotated.json()) as { key: string; id: string };
    expect(fresh.key).not.toBe(k2.key);
    expect((await api(`/v1/traces/${randomTraceId()}`, fresh.key)).status).toBe(404);
    await waitFor(
      'old secret refused',
      async () => ((await api(`/v1/traces/${randomTraceId()}`, k2.key)).status === 401 ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 200 },
    );
    expect((await api('/v1/api-keys/key_doesnotexist', admin, { method: 'DELETE' })).status).toBe(404);
  });

  it('shares one per-key limit across services and answers 429 with the limit headers', async () => {
    const k = await createViaApi({ scopes: ['ingest', 'read'], rate_limit_per_minute: 3 });
    const first = await api(`/v1/traces/${randomTraceId()}`, k.key);
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(60);
    expect(first.headers.get('ratelimit-policy')).toContain('3');
    expect((await api(`/v1/traces/${randomTraceId()}`, k.key)).status).toBe(404);
    expect((await ingest(k.key)).status).toBe(202);
    const limited = await ingest(k.key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ error: 'Rate limit exceeded', code: 'rate_limited' });
  });

  it('keeps accepting traffic when Redis is unreachable', async () => {
    const k = await createViaApi({ scopes: ['ingest'] });
    const port = await freePort();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const lonely = await spawnService(
      'ingest-without-redis',
      'services/ingest/dist/main.js',
      {
        KAFKA_BROKERS: stack.KAFKA_BROKERS,
        REDIS_URL: deadRedis,
        CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
        MESH_TRACE_TOPIC: `e2e-${pipe.run}`,
        MESH_TRACE_INGEST_HOST: '127.0.0.1',
        MESH_TRACE_INGEST_PORT: String(port),
      },
      `http://127.0.0.1:${port}/readyz`,
    );
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
          body: JSON.stringify(sampleBatch().body),
        });
        expect(res.status).toBe(202);
        // Limits still apply, counted in process.
        expect(res.headers.get('x-ratelimit-remaining')).toBe(String(999 - i));
      }
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/mesh_trace_rate_limit_store_fallback_total\{service="ingest"\} [1-9]/);
    } finally {
      expect(await lonely.stop()).toBe(0);
    }
  });

  it('binds an agent key to its agent, and test keys to sandbox data', async () => {
    const agentKey = await createViaApi({ scopes: ['ingest', 'read'], agent_id: 'agent_A' });
    const sample = sampleBatch();
    const own = sample.body.traces[0];
    if (own) own.agent_id = 'agent_A';
    expect((await ingest(agentKey.key, sample.body)).status).toBe(202);
    const sandbox = await createViaApi({ scopes: ['ingest', 'read'], env: 'sandbox' });
    expect(sandbox.key).toMatch(/^mtk_test_/);
    // The sandbox key cannot complete (or see) the live trace.
    const complete = (key: string) =>
      fetch(`${ingestUrl}/v1/traces/${sample.traceId}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ status: 'completed' }),
      });
    expect((await complete(sandbox.key)).status).toBe(404);
    const otherAgent = await createViaApi({ scopes: ['ingest'], agent_id: 'agent_B' });
    expect((await complete(otherAgent.key)).status).toBe(404);
    expect((await complete(agentKey.key)).status).toBe(200);
    // Sending another agent's traces is refused: by the trace record, or by a known trace id.
    const foreign = sampleBatch();
    const trace = foreign.body.traces[0];
    if (trace) trace.agent_id = 'agent_B';
    const named = await ingest(agentKey.key, foreign.body);
    expect(named.status).toBe(403);
    expect(await named.json()).toMatchObject({ code: 'forbidden' });
    const hijack = {
      spans: sample.body.spans.map((s) => ({ ...s, span_id: randomBytes(8).toString('hex') })),
    };
    expect((await ingest(otherAgent.key, hijack)).status).toBe(403);
  });

  it('manages keys from the mesh-trace keys CLI against ClickHouse directly', async () => {
    const env = { CLICKHOUSE_URL: stack.CLICKHOUSE_URL };
    const help = await runCli(['keys', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.out).toContain('mesh-trace keys create');
    const created = await runCli(['keys', 'create', '--org', org, '--scopes', 'read', '--name', 'cli'], env);
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.out) as { id: string; key: string };
    expect((await api(`/v1/traces/${randomTraceId()}`, key)).status).toBe(404);
    const listed = await runCli(['keys', 'list', '--org', org], env);
    expect(listed.out).toContain(id);
    expect(listed.out).not.toContain(key);
    expect((await runCli(['keys', 'revoke', '--org', org, id], env)).code).toBe(0);
    await waitFor(
      'CLI revocation effective',
      async () => ((await api(`/v1/traces/${randomTraceId()}`, key)).status === 401 ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 200 },
    );
    const bad = await runCli(['keys', 'create', '--org', org, '--scopes', 'everything'], env);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('unknown scope');
  });

  it('connects with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, as the services do', async () => {
    // A ClickHouse that refuses everyone, recording the credentials each request carried.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      req.resume();
      res.writeHead(516, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': '516' });
      res.end('Code: 516. DB::Exception: meshtrace: Authentication failed. (AUTHENTICATION_FAILED)\n');
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const env = {
        CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        CLICKHOUSE_USER: 'meshtrace',
        CLICKHOUSE_PASSWORD: 's3cret',
      };
      const expected = `Basic ${Buffer.from('meshtrace:s3cret').toString('base64')}`;
      for (const args of [['keys', 'list', '--org', org], ['migrate']]) {
        seen.length = 0;
        const run = await runCli(args, env);
        expect(run.code, args.join(' ')).not.toBe(0);
        expect(run.out).toContain('Authentication failed');
        expect(seen.length).toBeGreaterThan(0);
        expect(new Set(seen)).toEqual(new Set([expected]));
      }
    } finally {
      server.close();
    }
  });
});
