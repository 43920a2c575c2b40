import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

interface SpanOut {
  span_id: string;
  parent_span_id: string | null;
  start_time: string;
  service: string;
}
interface TraceOut {
  trace_id: string;
  name: string;
  root_service: string;
  services: string[];
  span_count: number;
  error_count: number;
  status: string;
  spans: SpanOut[];
  next_cursor: string | null;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// A trace larger than the per-response bound comes in windows (issue 5): the summary describes the
// whole trace, and following next_cursor returns every span exactly once, in start order.
describe('GET /v1/traces/:id in windows', () => {
  const MAX = 10;
  const SPANS = 27;
  let pipe: Pipeline;
  let key: string;
  let otherKey: string;
  const traceId = hex(16);
  const otherTraceId = hex(16);
  const t0 = Date.now() - 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();

  const api = async (path: string, k = key) => {
    const res = await fetch(`${pipe.queryUrl}${path}`, { headers: { authorization: `Bearer ${k}` } });
    return { status: res.status, body: (await res.json()) as TraceOut & { code?: string } };
  };

  beforeAll(async () => {
    pipe = await startPipeline(
      ['ingest', 'writer', 'query'],
      {},
      {
        query: { MESH_TRACE_TRACE_MAX_SPANS: String(MAX) },
      },
    );
    key = await pipe.key(['ingest', 'read']);
    otherKey = await pipe.key(['read']);
    const rootId = hex(8);
    // Two spans share a start time, so the window boundary must also order by span id.
    const spans = Array.from({ length: SPANS }, (_, i) => ({
      trace_id: traceId,
      span_id: i === 0 ? rootId : hex(8),
      parent_span_id: i === 0 ? null : rootId,
      name: i === 0 ? 'root' : `step-${i}`,
      service: i === 0 ? 'planner' : `svc-${i % 3}`,
      start_time: iso(t0 + (i === 12 ? 11 : i)),
      end_time: iso(t0 + 100 + i),
      status: i % 9 === 4 ? 'error' : 'ok',
    }));
    const small = [
      {
        trace_id: otherTraceId,
        span_id: hex(8),
        name: 'small',
        service: 'planner',
        start_time: iso(t0),
        end_time: iso(t0 + 5),
      },
    ];
    const res = await fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spans: [...spans.reverse(), ...small] }),
    });
    expect(res.status).toBe(202);
    await waitFor('every span stored', async () => {
      const { status, body } = await api(`/v1/traces/${traceId}`);
      return status === 200 && body.span_count === SPANS ? true : undefined;
    });
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  it('returns the first window with a whole-trace summary and a cursor', async () => {
    const { status, body } = await api(`/v1/traces/${traceId}`);
    expect(status).toBe(200);
    expect(body.spans).toHaveLength(MAX);
    expect(body.next_cursor).toEqual(expect.any(String));
    expect(body).toMatchObject({
      name: 'root',
      root_service: 'planner',
      services: ['planner', 'svc-0', 'svc-1', 'svc-2'],
      span_count: SPANS,
      error_count: 3,
      status: 'error',
    });
    expect(body.spans[0]?.parent_span_id).toBeNull();
  });

  it('follows next_cursor through every span exactly once, in start order', async () => {
    const seen: SpanOut[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=4&cursor=${encodeURIComponent(cursor)}` : '?limit=4';
      const { status, body } = await api(`/v1/traces/${traceId}${q}`);
      expect(status).toBe(200);
      expect(body.spans.length).toBeLessThanOrEqual(4);
      expect(body.span_count).toBe(SPANS);
      seen.push(...body.spans);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(Math.ceil(SPANS / 4));
    expect(new Set(seen.map((s) => s.span_id)).size).toBe(SPANS);
    const order = seen.map((s) => `${s.start_time}|${s.span_id}`);
    expect(order).toEqual([...order].sort());
  });

  it('serves a trace within the bound whole, with next_cursor null', async () => {
    const { status, body } = await api(`/v1/traces/${otherTraceId}`);
    expect(status).toBe(200);
    expect(body.spans).toHaveLength(1);
    expect(body.next_cursor).toBeNull();
  });

  it('answers bad limits and cursors with 400, and foreign cursors too', async () => {
    for (const q of ['?limit=0', `?limit=${MAX + 1}`, '?limit=abc', '?cursor=nope', '?cursor=a.b']) {
      const { status, body } = await api(`/v1/traces/${traceId}${q}`);
      expect(status, q).toBe(400);
      expect(body.code).toBe('invalid_request');
    }
    const first = await api(`/v1/traces/${traceId}`);
    const cursor = encodeURIComponent(first.body.next_cursor ?? '');
    // Another trace, or the same trace through another org's key: the cursor is refused.
    expect((await api(`/v1/traces/${otherTraceId}?cursor=${cursor}`)).status).toBe(400);
    expect((await api(`/v1/traces/${traceId}?cursor=${cursor}`, otherKey)).status).toBe(400);
  });
});
