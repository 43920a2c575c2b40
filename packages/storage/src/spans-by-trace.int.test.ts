import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatClickHouseNs } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseClient, createClickHouse } from './client.js';
import { migrate } from './migrate.js';
import type { CompletionRow, EventRow, SpanRow, TraceRow } from './rows.js';
import { stackClickHouseUrl } from './test-support.js';
import { getTrace, traceSpansSql } from './trace-reader.js';

/**
 * Migration 010 on a database that already holds spans: the trace-ordered projection is added and
 * materialized for the parts written before it, trace by id reads through it, and a trace whose
 * spans sit in parts from before and after the migration reads whole — also with the projection
 * dropped, the documented opt-out. Also what getTrace reads beside the spans, in one query.
 */

const MS = 1_000_000n;
const db = `mt_p10_${randomBytes(4).toString('hex')}`;
const org = 'org_p10';
const t0 = (BigInt(Date.now()) - 60_000n) * MS;
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

const span = (trace_id: string, span_id: string, parent: string, service: string, at: bigint): SpanRow => ({
  org_id: org,
  env: 'live',
  trace_id,
  span_id,
  parent_span_id: parent,
  service,
  name: `op ${span_id}`,
  kind: 'internal',
  start_time: formatClickHouseNs(at),
  end_time: formatClickHouseNs(at + 5n * MS),
  duration_ns: (5n * MS).toString(),
  status: 'ok',
  status_message: '',
  attributes: { 'span.id': span_id },
  resource: { 'service.name': service },
  events: '[]',
});

describe('spans_by_trace projection (migration 010)', () => {
  let admin: ClickHouseClient;
  let ch: ClickHouseClient;
  let before010: string;
  const scope = { org_id: org, env: 'live', trace_id: A };
  const insert = (values: SpanRow[]) => ch.insert({ table: 'spans_v1', values, format: 'JSONEachRow' });
  const spanIds = async () => (await getTrace(ch, scope))?.spans.map((s) => [s.span_id, s.service]);
  /** The plan of the span read getTrace runs, for trace A. */
  const plan = async () => {
    const rs = await ch.query({
      query: `EXPLAIN indexes = 1 ${traceSpansSql()}`,
      query_params: { org, env: 'live', tid: A },
      format: 'TabSeparatedRaw',
    });
    return rs.text();
  };

  beforeAll(async () => {
    admin = createClickHouse({ url: stackClickHouseUrl() });
    await admin.command({ query: `CREATE DATABASE ${db}` });
    ch = createClickHouse({ url: stackClickHouseUrl(), database: db });
    before010 = await mkdtemp(join(tmpdir(), 'mt-migrations-'));
    const dir = new URL('../migrations/', import.meta.url);
    for (const f of await readdir(dir))
      if (/^00\d_.+\.sql$/.test(f)) await copyFile(new URL(f, dir), join(before010, f));
    await migrate(ch, { retentionDays: 30, dir: pathToFileURL(`${before010}/`) });
    // Trace A across three services, in two parts, beside another trace.
    await insert([span(A, 's1', '', 'api', t0), span(A, 's2', 's1', 'db', t0 + 10n * MS)]);
    await insert([span(A, 's3', 's1', 'cache', t0 + 20n * MS), span(B, 'b1', '', 'api', t0 + 15n * MS)]);
  });

  afterAll(async () => {
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await ch?.close();
    await admin?.close();
    if (before010) await rm(before010, { recursive: true, force: true });
  });

  it('reads a trace from the table before the migration, and from the projection once it is materialized', async () => {
    expect(await plan()).not.toContain('spans_by_trace');
    expect(await migrate(ch, { retentionDays: 30 })).toEqual(['010_spans_by_trace.sql']);
    // Parts from before get the projection in the background; reads stay whole meanwhile.
    expect(await spanIds()).toEqual([
      ['s1', 'api'],
      ['s2', 'db'],
      ['s3', 'cache'],
    ]);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rs = await ch.query({
        query: `SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'spans_v1' AND NOT is_done`,
        format: 'JSONEachRow',
      });
      const [pending] = await rs.json<{ n: string }>();
      if (pending?.n === '0') break;
      if (Date.now() > deadline) throw new Error('MATERIALIZE PROJECTION did not finish within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const explained = await plan();
    expect(explained).toContain('ReadFromMergeTree (spans_by_trace)');
    // One granule per part holding the trace: the point of the projection.
    const [, parts, granules] = /Parts: (\d+) \| Granules: (\d+)/.exec(explained) ?? [];
    expect(Number(granules)).toBeGreaterThan(0);
    expect(granules).toBe(parts);
  });

  it('reads a trace whole across parts written before and after the migration, and without the projection', async () => {
    await insert([span(A, 's4', 's3', 'queue', t0 + 30n * MS)]);
    const expected = [
      ['s1', 'api'],
      ['s2', 'db'],
      ['s3', 'cache'],
      ['s4', 'queue'],
    ];
    expect(await spanIds()).toEqual(expected);
    const trace = await getTrace(ch, scope);
    expect(trace).toMatchObject({ span_count: 4, services: ['api', 'cache', 'db', 'queue'] });
    expect(trace?.spans[3]).toMatchObject({
      attributes: { 'span.id': 's4' },
      resource: { 'service.name': 'queue' },
    });

    await ch.command({ query: 'ALTER TABLE spans_v1 DROP PROJECTION spans_by_trace' });
    expect(await plan()).not.toContain('spans_by_trace');
    expect(await spanIds()).toEqual(expected);
  });

  it('returns the trace record, the completion, and agent events in time order whatever the insert order', async () => {
    const ev = (span_id: string, type: string, at: bigint, data: object): EventRow => ({
      org_id: org,
      env: 'live',
      trace_id: A,
      span_id,
      type,
      timestamp: formatClickHouseNs(at),
      data: JSON.stringify(data),
    });
    await ch.insert({
      table: 'agent_events_v1',
      values: [ev('s2', 'tool.result', t0 + 12n * MS, { n: 2 }), ev('', 'llm.call', t0 + 1n * MS, { n: 1 })],
      format: 'JSONEachRow',
    });
    await ch.insert({
      table: 'agent_events_v1',
      values: [ev('s3', 'decision', t0 + 25n * MS, { n: 3 })],
      format: 'JSONEachRow',
    });
    const record: TraceRow = {
      org_id: org,
      env: 'live',
      trace_id: A,
      name: 'plan trip',
      service: 'api',
      agent_id: 'agent-7',
      start_time: formatClickHouseNs(t0),
      attributes: { user: 'u1' },
      input: JSON.stringify({ q: 'Lisbon' }),
      ingested_at: formatClickHouseNs(t0),
    };
    await ch.insert({ table: 'traces_v1', values: [record], format: 'JSONEachRow' });
    const done: CompletionRow = {
      org_id: org,
      env: 'live',
      trace_id: A,
      status: 'errored',
      end_time: formatClickHouseNs(t0 + 40n * MS),
      output: '',
      error: JSON.stringify({ message: 'timeout' }),
      attributes: { retries: '2' },
      received_at: formatClickHouseNs(t0 + 41n * MS),
    };
    await ch.insert({ table: 'trace_completions_v1', values: [done], format: 'JSONEachRow' });

    const trace = await getTrace(ch, scope);
    expect(trace?.events).toEqual([
      { span_id: null, type: 'llm.call', timestamp: expect.any(String), data: { n: 1 } },
      { span_id: 's2', type: 'tool.result', timestamp: expect.any(String), data: { n: 2 } },
      { span_id: 's3', type: 'decision', timestamp: expect.any(String), data: { n: 3 } },
    ]);
    expect(trace).toMatchObject({
      name: 'plan trip',
      agent_id: 'agent-7',
      attributes: { user: 'u1' },
      input: { q: 'Lisbon' },
      lifecycle: 'errored',
      completion: {
        status: 'errored',
        output: null,
        error: { message: 'timeout' },
        attributes: { retries: '2' },
      },
    });
    expect(trace?.completion?.end_time).toMatch(/Z$/);
    expect(await getTrace(ch, { ...scope, trace_id: 'c'.repeat(32) })).toBeNull();
  });
});
