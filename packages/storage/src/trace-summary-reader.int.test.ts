import { randomBytes } from 'node:crypto';
import { compileSearch } from '@mesh-trace/query-lang';
import { formatClickHouseNs, formatIsoNs } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseClient, createClickHouse } from './client.js';
import { migrate } from './migrate.js';
import type { SpanRow } from './rows.js';
import { stackClickHouseUrl } from './test-support.js';
import { listTraceSummaries, type TracePageQuery, type TraceStatus } from './trace-summary-reader.js';

/**
 * listTraceSummaries against the real engine, compared with a brute-force model: 400 traces over two
 * hours (ties included, some traces stored in two inserts with a late span that moves their start
 * earlier), paged with several limits and filters. Exercises the widening windows and the keyset.
 */

/** mulberry32: the same data every run, only the org differs. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Span {
  trace_id: string;
  service: string;
  status: TraceStatus;
  start: bigint;
  end: bigint;
}

const MS = 1_000_000n;
const HOUR = 3_600_000n * MS;
const LATE_SHIFT = 420_000n * MS;
const org = `org_tsr_${randomBytes(4).toString('hex')}`;
const now = BigInt(Date.now()) * MS;
const base = now - 2n * HOUR;
const rand = prng(42);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');

const spans: Span[] = [];
const late: Span[] = [];
let previousStart = base;
for (let i = 0; i < 400; i++) {
  const trace_id = hex(32);
  // Every 20th trace ties with the one before it on start time.
  const start = i % 20 === 19 ? previousStart : base + BigInt(Math.floor(rand() * 7_000_000)) * MS;
  previousStart = start;
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const s = start + BigInt(k * 10) * MS;
    const r = rand();
    spans.push({
      trace_id,
      service: ['a', 'b', 'c', 'd'][Math.floor(rand() * 4)] ?? 'a',
      status: r < 0.1 ? 'error' : r < 0.5 ? 'ok' : 'unset',
      start: s,
      end: s + BigInt(1 + Math.floor(rand() * 1000)) * MS,
    });
  }
  // A span stored by a later insert that starts 7 minutes before the rest of its trace: such traces
  // straddle the windows a page is looked for in.
  if (i % 10 === 3)
    late.push({ trace_id, service: 'late', status: 'unset', start: start - LATE_SHIFT, end: start });
}
const all = [...spans, ...late];

const row = (s: Span, i: number): SpanRow => ({
  org_id: org,
  env: 'live',
  trace_id: s.trace_id,
  span_id: i.toString(16).padStart(16, '0'),
  parent_span_id: '',
  service: s.service,
  name: `op-${s.service}`,
  kind: 'internal',
  start_time: formatClickHouseNs(s.start),
  end_time: formatClickHouseNs(s.end),
  duration_ns: (s.end - s.start).toString(),
  status: s.status,
  status_message: '',
  attributes: {},
  resource: {},
  events: '[]',
});

interface Expected {
  trace_id: string;
  start: bigint;
  end: bigint;
  services: string[];
  status: TraceStatus;
  spans: Span[];
}

// bigints: Math.min/max do not take them.
const earliest = (ss: Span[]) => ss.map((s) => s.start).sort((a, b) => (a < b ? -1 : 1))[0] ?? 0n;
const latest = (ss: Span[]) => ss.map((s) => s.end).sort((a, b) => (a > b ? -1 : 1))[0] ?? 0n;

function traces(): Expected[] {
  const by = new Map<string, Span[]>();
  for (const s of all) by.set(s.trace_id, [...(by.get(s.trace_id) ?? []), s]);
  return [...by.entries()].map(([trace_id, ss]) => ({
    trace_id,
    spans: ss,
    start: earliest(ss),
    end: latest(ss),
    services: [...new Set(ss.map((s) => s.service))].sort(),
    status: ss.some((s) => s.status === 'error')
      ? 'error'
      : ss.some((s) => s.status === 'ok')
        ? 'ok'
        : 'unset',
  }));
}

const order = (ts: Expected[]) =>
  [...ts]
    .sort((a, b) => (a.start !== b.start ? (a.start > b.start ? -1 : 1) : a.trace_id > b.trace_id ? -1 : 1))
    .map((t) => t.trace_id);

describe('listTraceSummaries', () => {
  let ch: ClickHouseClient;

  beforeAll(async () => {
    ch = createClickHouse({ url: stackClickHouseUrl() });
    await migrate(ch, { retentionDays: 30 });
    await ch.insert({ table: 'spans_v1', format: 'JSONEachRow', values: spans.map(row) });
    await ch.insert({
      table: 'spans_v1',
      format: 'JSONEachRow',
      values: late.map((s, i) => row(s, spans.length + i)),
    });
  });

  afterAll(async () => {
    await ch?.close();
  });

  async function pageAll(q: Omit<TracePageQuery, 'org_id' | 'env'>): Promise<string[]> {
    const seen: string[] = [];
    let after: TracePageQuery['after'];
    let storedAtOrBeforeMs: bigint | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await listTraceSummaries(ch, {
        org_id: org,
        env: 'live',
        ...q,
        after,
        storedAtOrBeforeMs,
      });
      expect(page.items.length).toBeLessThanOrEqual(q.limit);
      seen.push(...page.items.map((t) => t.trace_id));
      const last = page.items.at(-1);
      if (!page.hasMore || !last || page.lastStartNs === null) return seen;
      after = { start_ns: page.lastStartNs, trace_id: last.trace_id };
      storedAtOrBeforeMs ??= page.readAtMs ?? undefined;
    }
    throw new Error('more than 1000 pages');
  }

  const range = { from: base - 10_000n * MS, to: now };
  const inRange = (t: Expected, from = range.from, to = range.to) => t.start >= from && t.start <= to;

  it.each([
    ['no filter', {}, () => true],
    ['service b', { service: 'b' }, (t: Expected) => t.services.includes('b')],
    ['status ok', { status: 'ok' as const }, (t: Expected) => t.status === 'ok'],
    ['status unset', { status: 'unset' as const }, (t: Expected) => t.status === 'unset'],
    ['status error', { status: 'error' as const }, (t: Expected) => t.status === 'error'],
    ['min duration 800 ms', { minDurationNs: 800n * MS }, (t: Expected) => t.end - t.start >= 800n * MS],
  ])(
    'pages a %s listing exactly as the model orders it, for limits 7, 50 and 200',
    async (_, filter, pred) => {
      const expected = order(traces().filter((t) => inRange(t) && pred(t)));
      expect(expected.length).toBeGreaterThan(10);
      for (const limit of [7, 50, 200])
        expect(await pageAll({ ...range, ...filter, limit })).toEqual(expected);
    },
  );

  it('bounds the trace start, inclusively, and the late spans count toward it', async () => {
    const ts = traces();
    const pick = order(ts)[100];
    const anchor = ts.find((t) => t.trace_id === pick);
    if (!anchor) throw new Error('no anchor');
    const from = anchor.start;
    const to = base + HOUR + HOUR / 2n;
    const expected = order(ts.filter((t) => inRange(t, from, to)));
    expect(await pageAll({ from, to, limit: 9 })).toEqual(expected);
    // A trace whose late span starts before `from` is out even though its other spans are in.
    const moved = ts.find((t) => t.spans.some((s) => s.service === 'late') && inRange(t, base, now));
    if (!moved) throw new Error('no late trace');
    const later = moved.start + LATE_SHIFT;
    expect(await pageAll({ from: later, to: later, limit: 10 })).not.toContain(moved.trace_id);
    expect(await pageAll({ from: moved.start, to: moved.start, limit: 10 })).toContain(moved.trace_id);
  });

  it('returns summaries with the model numbers', async () => {
    const page = await listTraceSummaries(ch, { org_id: org, env: 'live', ...range, limit: 200 });
    const byId = new Map(traces().map((t) => [t.trace_id, t]));
    for (const item of page.items) {
      const t = byId.get(item.trace_id);
      if (!t) throw new Error(`unexpected ${item.trace_id}`);
      expect(item).toMatchObject({
        services: t.services,
        start_time: formatIsoNs(t.start),
        end_time: formatIsoNs(t.end),
        duration_ms: Number(t.end - t.start) / 1e6,
        span_count: t.spans.length,
        error_count: t.spans.filter((s) => s.status === 'error').length,
        status: t.status,
        agent_id: null,
        lifecycle: 'running',
      });
    }
  });

  it.each([
    ['service.name = "c" AND status = error', (s: Span) => s.service === 'c' && s.status === 'error'],
    [
      'duration > 900ms OR service.name = "late"',
      (s: Span) => s.end - s.start > 900n * MS || s.service === 'late',
    ],
    ['NOT status = unset', (s: Span) => s.status !== 'unset'],
  ])('searches %s: a span in the range matches, the order is the trace order', async (query, pred) => {
    const search = compileSearch(query).ast;
    const from = base + HOUR / 2n;
    const to = base + HOUR + HOUR / 2n;
    const expected = order(
      traces().filter((t) => t.spans.some((s) => s.start >= from && s.start <= to && pred(s))),
    );
    expect(expected.length).toBeGreaterThan(5);
    for (const limit of [7, 100]) expect(await pageAll({ from, to, search, limit })).toEqual(expected);
  });

  it('leaves out traces first stored after the snapshot moment, wherever they start', async () => {
    const first = await listTraceSummaries(ch, { org_id: org, env: 'live', ...range, limit: 5 });
    const last = first.items.at(-1);
    if (!last || first.lastStartNs === null || first.readAtMs === null) throw new Error('empty first page');
    const backdated = { ...all[0], trace_id: hex(32), start: base + HOUR, end: base + HOUR + MS } as Span;
    await ch.insert({ table: 'spans_v1', format: 'JSONEachRow', values: [row(backdated, 99_999)] });
    const rest = async (storedAtOrBeforeMs?: bigint) => {
      const ids: string[] = [];
      let after = { start_ns: first.lastStartNs ?? 0n, trace_id: last.trace_id };
      for (;;) {
        const p = await listTraceSummaries(ch, {
          org_id: org,
          env: 'live',
          ...range,
          limit: 200,
          after,
          storedAtOrBeforeMs,
        });
        ids.push(...p.items.map((t) => t.trace_id));
        const l = p.items.at(-1);
        if (!p.hasMore || !l || p.lastStartNs === null) return ids;
        after = { start_ns: p.lastStartNs, trace_id: l.trace_id };
      }
    };
    expect(await rest(first.readAtMs)).not.toContain(backdated.trace_id);
    expect(await rest()).toContain(backdated.trace_id);
  });
});
