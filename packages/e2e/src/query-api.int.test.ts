import { randomBytes } from 'node:crypto';
import { createKey } from '@mesh-trace/auth';
import { type ClickHouseClient, createClickHouse, migrate } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import {
  batchOf,
  endOf,
  idsOf,
  iso9,
  makeLateTrace,
  makeTrace,
  type SpanSpec,
  servicesOf,
  statusOf,
  summaryOf,
  type TraceSpec,
} from './query-api-model.js';
import { stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

interface Page {
  data: ReturnType<typeof summaryOf>[];
  next_cursor: string | null;
}
interface ErrorBody {
  error: string;
  code: string;
  request_id: string;
  details?: { path: string; message: string }[];
  column?: number;
}

// GET /v1/traces, POST /v1/traces/search, GET /v1/services, GET /v1/topology (API.md §6) over
// ingest → Kafka → writer → ClickHouse → query, three processes against the real dev stack.
describe('query API: lists, search, cursors, services and topology', () => {
  const stack = stackEnv();
  const run = randomBytes(4).toString('hex');
  const org = `org_q_${run}`;
  const topoOrg = `org_topo_${run}`;
  let ch: ClickHouseClient;
  let key: string;
  let sandboxKey: string;
  let otherOrgKey: string;
  let topoKey: string;
  let ingestUrl: string;
  let queryUrl: string;
  const procs: ServiceProcess[] = [];

  const T0 = Date.now() - 40 * 60_000;
  const traces: TraceSpec[] = Array.from({ length: 36 }, (_, i) => makeTrace(i, T0 + i * 20_000));
  const since = iso9(T0 - 1000);

  beforeAll(async () => {
    ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
    await migrate(ch, { retentionDays: 30 });
    const scopes: ('ingest' | 'read')[] = ['ingest', 'read'];
    const made = await Promise.all(
      [
        { org_id: org, env: 'live' as const, scopes },
        { org_id: org, env: 'sandbox' as const, scopes },
        { org_id: `org_other_${run}`, env: 'live' as const, scopes },
        { org_id: topoOrg, env: 'live' as const, scopes },
      ].map(async (k) => (await createKey(ch, k)).key),
    );
    [key, sandboxKey, otherOrgKey, topoKey] = made as [string, string, string, string];
    const [ingestPort, queryPort, writerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const common = {
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      REDIS_URL: stack.REDIS_URL,
      CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
      MESH_TRACE_TOPIC: `e2e-query-${run}`,
    };
    ingestUrl = `http://127.0.0.1:${ingestPort}`;
    queryUrl = `http://127.0.0.1:${queryPort}`;
    procs.push(
      ...(await Promise.all([
        spawnService(
          'writer',
          'services/writer/dist/main.js',
          {
            ...common,
            MESH_TRACE_WRITER_GROUP: `e2e-query-writer-${run}`,
            MESH_TRACE_WRITER_HOST: '127.0.0.1',
            MESH_TRACE_WRITER_PORT: String(writerPort),
          },
          `http://127.0.0.1:${writerPort}/readyz`,
        ),
        spawnService(
          'ingest',
          'services/ingest/dist/main.js',
          { ...common, MESH_TRACE_INGEST_HOST: '127.0.0.1', MESH_TRACE_INGEST_PORT: String(ingestPort) },
          `${ingestUrl}/readyz`,
        ),
        spawnService(
          'query',
          'services/query/dist/main.js',
          {
            ...common,
            MESH_TRACE_QUERY_HOST: '127.0.0.1',
            MESH_TRACE_QUERY_PORT: String(queryPort),
            MESH_TRACE_CURSOR_SECRET: randomBytes(32).toString('hex'),
          },
          `${queryUrl}/readyz`,
        ),
      ])),
    );

    expect((await ingest(batchOf(traces))).status).toBe(202);
    for (const t of traces) {
      if (!t.completion) continue;
      const res = await fetch(`${ingestUrl}/v1/traces/${t.trace_id}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ status: t.completion }),
      });
      expect(res.status).toBe(200);
    }
    // Stored when every trace is listed with its completion.
    await waitFor(
      'all traces and completions stored',
      async () => {
        const page = await list({ start_time: since, limit: '200' });
        const done = page.data.filter((s) => s.lifecycle !== 'running').length;
        const expected = traces.filter((t) => t.completion).length;
        return page.data.length === traces.length && done === expected ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await ch?.close();
  });

  const ingest = (body: unknown, k = key) =>
    fetch(`${ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${k}` },
      body: JSON.stringify(body),
    });
  const get = (path: string, params: Record<string, string> = {}, k = key) =>
    fetch(`${queryUrl}${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${k}` } });
  async function ok<T>(res: Response | Promise<Response>): Promise<T> {
    const r = await res;
    const body = await r.text();
    if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${body}`);
    return JSON.parse(body) as T;
  }
  const list = (params: Record<string, string>, k = key) => ok<Page>(get('/v1/traces', params, k));
  const searchRaw = (body: unknown, k = key) =>
    fetch(`${queryUrl}/v1/traces/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${k}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const search = (body: Record<string, unknown>, k = key) =>
    ok<Page>(searchRaw({ start_time: since, limit: 500, ...body }, k));
  async function expect400(res: Response | Promise<Response>, path?: string): Promise<ErrorBody> {
    const r = await res;
    const body = (await r.json()) as ErrorBody;
    expect(r.status, JSON.stringify(body)).toBe(400);
    expect(body).toMatchObject({
      code: 'invalid_request',
      error: expect.any(String),
      request_id: expect.any(String),
    });
    if (path) expect(body.details?.map((d) => d.path)).toContain(path);
    return body;
  }
  const where = (pred: (t: TraceSpec) => boolean) => idsOf(traces.filter(pred));
  const anySpan = (pred: (s: SpanSpec) => boolean) => (t: TraceSpec) => t.spans.some(pred);
  const ids = (p: Page) => p.data.map((s) => s.trace_id);
  const topology = (params: Record<string, string> = {}, k = topoKey) =>
    ok<{ nodes: Record<string, unknown>[]; edges: Record<string, number | string>[] }>(
      get('/v1/topology', params, k),
    );

  describe('GET /v1/traces', () => {
    it('lists every trace newest first with its full summary, and next_cursor null on the last page', async () => {
      const page = await list({ start_time: since, limit: '200' });
      expect(page.data).toEqual([...traces].sort((a, b) => b.startMs - a.startMs).map((t) => summaryOf(t)));
      expect(page.next_cursor).toBeNull();
      // Defaults: the last hour, 50 items.
      expect(ids(await list({}))).toEqual(idsOf(traces));
      const five = await list({ start_time: since, limit: '5' });
      expect(ids(five)).toEqual(idsOf(traces).slice(0, 5));
      expect(five.next_cursor).toEqual(expect.any(String));
    });

    it('filters by service, status, minimum duration and time range (inclusive)', async () => {
      for (const service of ['payments', 'ledger', 'nope'])
        expect(ids(await list({ start_time: since, service }))).toEqual(
          where(anySpan((s) => s.service === service)),
        );
      for (const status of ['ok', 'error', 'unset'] as const) {
        const expected = where((t) => statusOf(t) === status);
        expect(expected.length).toBeGreaterThan(3);
        expect(ids(await list({ start_time: since, status }))).toEqual(expected);
      }
      expect(ids(await list({ start_time: since, min_duration_ms: '250' }))).toEqual(
        where((t) => endOf(t) - t.startMs >= 250),
      );
      expect(ids(await list({ start_time: since, min_duration_ms: '249.999999' }))).toEqual(
        where((t) => endOf(t) - t.startMs >= 250),
      );
      const [a, b] = [traces[10] as TraceSpec, traces[20] as TraceSpec];
      expect(
        ids(await list({ start_time: iso9(a.startMs), end_time: String(BigInt(b.startMs) * 1_000_000n) })),
      ).toEqual(where((t) => t.startMs >= a.startMs && t.startMs <= b.startMs));
      expect(
        ids(await list({ start_time: since, service: 'checkout', status: 'error', min_duration_ms: '100' })),
      ).toEqual(
        where(
          (t) =>
            statusOf(t) === 'error' &&
            t.spans.some((s) => s.service === 'checkout') &&
            endOf(t) - t.startMs >= 100,
        ),
      );
      // Unknown parameters are ignored.
      expect(ids(await list({ start_time: since, limit: '200', colour: 'blue' }))).toEqual(idsOf(traces));
    });

    it('answers every bad parameter with 400 invalid_request naming it', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ status: 'done' }, 'status'],
        [{ limit: '0' }, 'limit'],
        [{ limit: '201' }, 'limit'],
        [{ limit: '2.5' }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ start_time: '2026-13-01T00:00:00Z' }, 'start_time'],
        [{ end_time: 'tomorrow' }, 'end_time'],
        [{ start_time: iso9(T0), end_time: iso9(T0 - 1) }, 'end_time'],
        [{ min_duration_ms: '-1' }, 'min_duration_ms'],
        [{ min_duration_ms: 'fast' }, 'min_duration_ms'],
        [{ cursor: 'garbage' }, 'cursor'],
      ];
      for (const [params, path] of cases) await expect400(get('/v1/traces', params), path);
      const dup = await fetch(`${queryUrl}/v1/traces?status=ok&status=error`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await expect400(dup, 'status');
      expect((await fetch(`${queryUrl}/v1/traces`)).status).toBe(401);
    });

    it('pages with limit 3 through every trace exactly once while new traces arrive between pages', async () => {
      const late: TraceSpec[] = [];
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const params: Record<string, string> = { start_time: since, limit: '3' };
        if (cursor) params.cursor = cursor;
        const page: Page = await list(params);
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...ids(page));
        cursor = page.next_cursor;
        pages++;
        if (pages <= 4 && cursor) {
          // One trace interleaved with the listed ones (older than the cursor's position), one newer
          // than the first page: both are stored before the next page is read.
          const batch = [
            makeLateTrace(T0 + (30 - pages) * 20_000 + 10_000),
            makeLateTrace(Date.now() - 1000),
          ];
          expect((await ingest(batchOf(batch))).status).toBe(202);
          late.push(...batch);
          await waitFor('late traces stored', async () => {
            const fresh = await list({ start_time: since, limit: '200' });
            return batch.every((t) => ids(fresh).includes(t.trace_id)) ? true : undefined;
          });
        }
      } while (cursor);
      expect(pages).toBe(12);
      expect(seen).toEqual(idsOf(traces));
      expect(new Set(seen).size).toBe(traces.length);
      expect(seen.filter((id) => late.some((t) => t.trace_id === id))).toEqual([]);
      // A fresh listing does see them.
      const fresh = await list({ start_time: since, limit: '200' });
      expect(ids(fresh)).toEqual(idsOf([...traces, ...late]));
      traces.push(...late);
    });

    it('refuses tampered cursors and cursors of other filters, endpoints, organisations or environments', async () => {
      const first = await list({ start_time: since, limit: '2', status: 'ok' });
      const cursor = first.next_cursor ?? '';
      expect(cursor).not.toBe('');
      const next = await list({ start_time: since, limit: '2', status: 'ok', cursor });
      expect(ids(next)).toEqual(where((t) => statusOf(t) === 'ok').slice(2, 4));
      // The page size may change between pages; the filters may not.
      expect(ids(await list({ start_time: since, limit: '5', status: 'ok', cursor }))).toEqual(
        where((t) => statusOf(t) === 'ok').slice(2, 7),
      );
      const [body = '', sig = ''] = cursor.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, string>;
      const forged = `${Buffer.from(JSON.stringify({ ...payload, last_start: '99999999999999999999' })).toString('base64url')}.${sig}`;
      const flipped = `${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
      for (const bad of [forged, flipped, `${cursor}x`, cursor.slice(1)]) {
        const err = await expect400(
          get('/v1/traces', { start_time: since, status: 'ok', cursor: bad }),
          'cursor',
        );
        expect(err.error).toBe('bad cursor');
      }
      const others: Record<string, string>[] = [
        { status: 'error' },
        { status: 'ok', service: 'payments' },
        { status: 'ok', start_time: iso9(T0) },
        { status: 'ok', end_time: iso9(Date.now()) },
      ];
      for (const other of others)
        await expect400(get('/v1/traces', { start_time: since, ...other, cursor }), 'cursor');
      for (const k of [otherOrgKey, sandboxKey])
        await expect400(get('/v1/traces', { start_time: since, status: 'ok', cursor }, k), 'cursor');
      await expect400(searchRaw({ query: 'status = ok', start_time: since, cursor }), 'cursor');
    });
  });

  describe('POST /v1/traces/search', () => {
    const cases: [string, (t: TraceSpec) => boolean][] = [
      ['customer.tier = "gold"', anySpan((s) => s.attributes['customer.tier'] === 'gold')],
      ['http.status_code >= 500', anySpan((s) => Number(s.attributes['http.status_code']) >= 500)],
      [
        'attr.retries > 1 AND customer.tier != "gold"',
        anySpan((s) => Number(s.attributes.retries) > 1 && s.attributes['customer.tier'] === 'silver'),
      ],
      ['name =~ "^GET /pay"', anySpan((s) => s.name.startsWith('GET /pay'))],
      ['name !~ "call|write|late" AND kind = server', anySpan((s) => s.kind === 'server')],
      ['duration > 250ms', anySpan((s) => s.endMs - s.startMs > 250)],
      [
        'duration <= 0.02s AND kind = client',
        anySpan((s) => s.kind === 'client' && s.endMs - s.startMs <= 20),
      ],
      ['service.name = "ledger"', anySpan((s) => s.service === 'ledger')],
      ['status = error', anySpan((s) => s.status === 'error')],
      [
        'NOT service.name = "checkout" AND status = ok',
        anySpan((s) => s.service !== 'checkout' && s.status === 'ok'),
      ],
      [
        'service.name = "ledger" OR (status = error AND NOT service.name = "payments")',
        anySpan((s) => s.service === 'ledger' || (s.status === 'error' && s.service !== 'payments')),
      ],
      ['resource.k8s.cluster.name = "eu-1"', anySpan((s) => s.cluster === 'eu-1')],
      ['agent_id = "agent_alpha"', (t) => t.record?.agent_id === 'agent_alpha'],
      [
        'agent_id =~ "^agent_" AND service.name = "ledger"',
        (t) => !!t.record && t.spans.some((s) => s.service === 'ledger'),
      ],
      [`trace_id = "${'0'.repeat(31)}1"`, () => false],
    ];

    it.each(cases)('%s', async (query, pred) => {
      const expected = where(pred);
      const page = await search({ query });
      expect(ids(page)).toEqual(expected);
      expect(page.next_cursor).toBeNull();
    });

    it('matches a trace exactly once however many of its spans match, with the list summary', async () => {
      const page = await search({ query: 'duration >= 0ns' });
      expect(page.data).toEqual(
        idsOf(traces).map((id) => summaryOf(traces.find((t) => t.trace_id === id) as TraceSpec)),
      );
    });

    it('pages through results with cursors bound to the query text', async () => {
      const query = 'status = error OR customer.tier = "gold"';
      const expected = where(
        anySpan((s) => s.status === 'error' || s.attributes['customer.tier'] === 'gold'),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await search({ query, limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page));
        cursor = page.next_cursor ?? undefined;
        if (cursor)
          await expect400(
            searchRaw({ query: 'status = error', start_time: since, limit: 4, cursor }),
            'cursor',
          );
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('reports a syntax error as 400 with its column', async () => {
      const err = await expect400(searchRaw({ query: 'service.name = "api" AND' }), 'query');
      expect(err.column).toBe(25);
      expect(err.details?.[0]?.message).toMatch(/at column 25$/);
      const unknown = await expect400(searchRaw({ query: 'durration > 1s' }), 'query');
      expect(unknown.column).toBe(1);
      expect((await expect400(searchRaw({ query: '(status = ok' }))).column).toBe(1);
    });

    it('validates the body: 400 with details, never 500, for every malformed request', async () => {
      await expect400(searchRaw({}), 'query');
      await expect400(searchRaw({ query: 42 }), 'query');
      await expect400(searchRaw({ query: 'status = ok', limit: 0 }), 'limit');
      await expect400(searchRaw({ query: 'status = ok', limit: 501 }), 'limit');
      await expect400(searchRaw({ query: 'status = ok', start_time: 'noon' }), 'start_time');
      await expect400(
        searchRaw({ query: 'status = ok', start_time: iso9(T0), end_time: iso9(T0 - 1) }),
        'end_time',
      );
      await expect400(searchRaw({ query: 'status = ok', cursor: 'x.y' }), 'cursor');
      expect((await searchRaw('{"query": ')).status).toBe(400);
      expect((await searchRaw('[]')).status).toBe(400);
      expect((await searchRaw('"status = ok"')).status).toBe(400);
    });

    it('never answers hostile expressions with a 5xx', async () => {
      const hostile = [
        `name = "'; DROP TABLE spans_v1; --"`,
        `attr."x') OR 1=1 --" = "y"`,
        'attr."{org:String}" = "{env:String}"',
        'name = "\\u0000\\n\\t"',
        'name =~ "\\\\x{zz}"',
        'name =~ "(a"',
        'name =~ "a{1001}"',
        'name =~ "(?<=x)y"',
        'name =~ "((((((((((a))))))))))*"',
        'http.status_code > 1e308',
        'http.status_code > 1e999',
        'duration > 99999999999999999999h',
        `${'('.repeat(70)}status = ok${')'.repeat(70)}`,
        `${'NOT '.repeat(100)}status = ok`,
        Array.from({ length: 200 }, (_, i) => `attr.k${i} = "v"`).join(' OR '),
        'x'.repeat(5000),
        'service.name = "日本語 🚀"',
        '"unterminated',
        'status = ok AND AND',
        ')',
        '',
        '\u0000',
      ];
      for (const query of hostile) {
        const res = await searchRaw({ query, start_time: since });
        const body = (await res.json()) as ErrorBody;
        expect([200, 400], `${query.slice(0, 80)} → ${res.status} ${JSON.stringify(body)}`).toContain(
          res.status,
        );
        if (res.status === 200) expect((body as unknown as Page).data).toEqual(expect.any(Array));
        else expect(body.code).toBe('invalid_request');
      }
    });
  });

  describe('GET /v1/services', () => {
    it('reports span counts, error rates, latency quantiles, last seen and clusters per service', async () => {
      const body = await ok<{ data: Record<string, unknown>[] }>(get('/v1/services'));
      const expected = servicesOf(traces);
      expect(body.data.map((s) => s.service)).toEqual(expected.map((s) => s.service));
      for (const [i, e] of expected.entries()) {
        const got = body.data[i] as { p50_ms: number; p99_ms: number } & Record<string, unknown>;
        expect(got).toMatchObject({
          service: e.service,
          span_count: e.span_count,
          error_rate: e.error_rate,
          last_seen: e.last_seen,
          clusters: e.clusters,
        });
        // t-digest quantiles are approximate, but always inside the observed range and ordered.
        expect(got.p50_ms).toBeGreaterThanOrEqual(e.minMs - 0.001);
        expect(got.p50_ms).toBeLessThanOrEqual(got.p99_ms);
        expect(got.p99_ms).toBeLessThanOrEqual(e.maxMs + 0.001);
      }
      const recent = await ok<{ data: { service: string }[] }>(
        get('/v1/services', { start_time: iso9(Date.now() - 5 * 60_000) }),
      );
      expect(recent.data.map((s) => s.service)).toEqual(['late-svc']);
      await expect400(get('/v1/services', { start_time: 'x' }), 'start_time');
      await expect400(get('/v1/services', { start_time: iso9(T0), end_time: iso9(T0 - 60_000) }), 'end_time');
    });
  });

  describe('GET /v1/topology', () => {
    const minutesAgo = (m: number) => Date.now() - m * 60_000;
    const chTime = (ms: number) => iso9(ms).replace('T', ' ').slice(0, 29);
    // Every span of this org starts at the same instant: ten traces tied on start time.
    const tiesAt = minutesAgo(10);

    beforeAll(async () => {
      // Stored straight into ClickHouse for an org of its own: exact numbers, no writer involved.
      const span = (service: string, cluster: string, status: string, ms: number) => ({
        org_id: topoOrg,
        env: 'live',
        trace_id: randomBytes(16).toString('hex'),
        span_id: randomBytes(8).toString('hex'),
        parent_span_id: '',
        service,
        name: 'op',
        kind: 'server',
        start_time: chTime(tiesAt),
        end_time: chTime(tiesAt + ms),
        duration_ns: String(ms * 1_000_000),
        status,
        status_message: '',
        attributes: {},
        resource: { 'k8s.cluster.name': cluster },
        events: '[]',
      });
      await ch.insert({
        table: 'spans_v1',
        format: 'JSONEachRow',
        values: [
          ...Array.from({ length: 5 }, (_, i) => span('gateway', 'c1', i === 0 ? 'error' : 'ok', 10)),
          ...Array.from({ length: 3 }, () => span('orders', 'c1', 'ok', 10)),
          ...Array.from({ length: 2 }, () => span('billing', 'c2', 'ok', 10)),
        ],
      });
      const call = (
        source: string,
        target: string,
        cluster: string,
        ms: number,
        err: boolean,
        at: number,
      ) => ({
        org_id: topoOrg,
        env: 'live',
        time: chTime(at),
        source,
        target,
        cluster,
        duration_ns: String(ms * 1_000_000),
        is_error: err ? 1 : 0,
      });
      await ch.insert({
        table: 'service_edge_calls_v1',
        format: 'JSONEachRow',
        values: [
          ...Array.from({ length: 10 }, (_, i) =>
            call('gateway', 'orders', 'c1', 10 * (i + 1), i < 2, minutesAgo(10)),
          ),
          ...Array.from({ length: 4 }, (_, i) => call('orders', 'billing', 'c2', 5, i === 0, minutesAgo(10))),
          ...Array.from({ length: 3 }, () => call('gateway', 'billing', 'c1', 7, false, minutesAgo(180))),
        ],
      });
    });

    it('builds nodes from the rollups and edges from the edge table, within the time window', async () => {
      const g = await topology();
      expect(g.nodes).toEqual([
        { service: 'billing', span_count: 2, error_rate: 0 },
        { service: 'gateway', span_count: 5, error_rate: 0.2 },
        { service: 'orders', span_count: 3, error_rate: 0 },
      ]);
      expect(g.edges.map((e) => [e.source, e.target, e.calls, e.errors, e.error_rate])).toEqual([
        ['gateway', 'orders', 10, 2, 0.2],
        ['orders', 'billing', 4, 1, 0.25],
      ]);
      const [go, ob] = g.edges as Record<string, number>[];
      expect(go?.p50_ms).toBeGreaterThanOrEqual(40);
      expect(go?.p50_ms).toBeLessThanOrEqual(70);
      expect(go?.p95_ms).toBeGreaterThanOrEqual(80);
      expect(go?.p99_ms).toBeLessThanOrEqual(100);
      expect(go?.p95_ms).toBeLessThanOrEqual(go?.p99_ms ?? 0);
      expect(ob).toMatchObject({ p50_ms: 5, p95_ms: 5, p99_ms: 5 });

      const wide = await topology({ time_window: '6h' });
      expect(wide.edges.map((e) => [e.source, e.target, e.calls])).toEqual([
        ['gateway', 'billing', 3],
        ['gateway', 'orders', 10],
        ['orders', 'billing', 4],
      ]);
      expect((await topology({ time_window: '24h' })).edges).toHaveLength(3);
    });

    it('orders traces tied on start time by trace id, descending, and pages through the ties', async () => {
      const all = await list({ limit: '200' }, topoKey);
      expect(all.data).toHaveLength(10);
      const expected = ids(all).slice().sort().reverse();
      expect(ids(all)).toEqual(expected);
      expect(new Set(all.data.map((s) => s.start_time))).toEqual(new Set([iso9(tiesAt)]));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await list({ limit: '3', ...(cursor ? { cursor } : {}) }, topoKey);
        seen.push(...ids(page));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('filters by cluster; an edge end without spans there is a node with zero spans', async () => {
      const c2 = await topology({ cluster: 'c2' });
      expect(c2.nodes).toEqual([
        { service: 'billing', span_count: 2, error_rate: 0 },
        { service: 'orders', span_count: 0, error_rate: 0 },
      ]);
      expect(c2.edges.map((e) => [e.source, e.target, e.calls])).toEqual([['orders', 'billing', 4]]);
      expect(await topology({ cluster: 'nowhere' })).toEqual({ nodes: [], edges: [] });
    });

    it('rejects unknown time windows and serves the ingested org its own services', async () => {
      for (const w of ['2h', '1d', '', '1H'])
        await expect400(get('/v1/topology', { time_window: w }), 'time_window');
      const mine = await topology({}, key);
      const services = await ok<{ data: { service: string; span_count: number }[] }>(
        get('/v1/services', { start_time: iso9(Date.now() - 3_600_000) }),
      );
      expect(mine.nodes.filter((n) => (n.span_count as number) > 0)).toEqual(
        services.data.map((s) => expect.objectContaining({ service: s.service, span_count: s.span_count })),
      );
    });
  });

  describe('isolation', () => {
    it('shows a key of another org, and a sandbox key of the same org, none of this data', async () => {
      for (const k of [otherOrgKey, sandboxKey]) {
        expect((await list({ start_time: since, limit: '200' }, k)).data).toEqual([]);
        expect((await search({ query: 'duration >= 0ns' }, k)).data).toEqual([]);
        expect((await ok<{ data: unknown[] }>(get('/v1/services', {}, k))).data).toEqual([]);
        expect(await topology({ time_window: '24h' }, k)).toEqual({ nodes: [], edges: [] });
      }
    });

    it('keeps sandbox data out of live reads and live data out of sandbox reads', async () => {
      const sandboxTrace = makeLateTrace(Date.now() - 2000);
      expect((await ingest(batchOf([sandboxTrace]), sandboxKey)).status).toBe(202);
      const seen = await waitFor('sandbox trace listed for the sandbox key', async () => {
        const p = await list({ start_time: since }, sandboxKey);
        return p.data.length ? p : undefined;
      });
      expect(ids(seen)).toEqual([sandboxTrace.trace_id]);
      expect(ids(await search({ query: 'service.name = "late-svc"' }, sandboxKey))).toEqual([
        sandboxTrace.trace_id,
      ]);
      expect(ids(await list({ start_time: since, limit: '200' }))).not.toContain(sandboxTrace.trace_id);
      expect(ids(await search({ query: 'duration >= 0ns' }))).not.toContain(sandboxTrace.trace_id);
    });
  });

  it('shuts every process down cleanly on SIGTERM', async () => {
    const codes = await Promise.all(procs.splice(0).map((p) => p.stop()));
    expect(codes).toEqual([0, 0, 0]);
  });
});
