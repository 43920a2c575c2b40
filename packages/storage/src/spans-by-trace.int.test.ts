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
import { stackClickHouseUrl, storedSpan } from './test-support.js';
import { getTrace, traceSpansSql } from './trace-reader.js';

/**
 * Migration 010 on a database that already holds spans: the trace-ordered projection is added, new
 * parts have it from their insert, older ones once the documented MATERIALIZE ran; trace by id reads
 * one granule through it where the table's order needs one per service, and a trace whose spans sit
 * in parts from before and after the migration reads whole — also with the projection dropped (the
 * documented opt-out). Also what getTrace reads beside the spans, in one query.
 */

const MS = 1_000_000n;
const db = `mt_p10_${randomBytes(4).toString('hex')}`;
const org = 'org_p10';
const t0 = (BigInt(Date.now()) - 60_000n) * MS;
// Sorts first among the hex ids below: its spans share the projection's first granule.
const A = '0'.repeat(32);
/** Spans per service around trace A's: more than one 8,192-row granule of the table's order each. */
const FILLER = 9_000;

const span = (trace_id: string, span_id: string, parent: string, service: string, at: bigint): SpanRow =>
  storedSpan({
    org_id: org,
    trace_id,
    span_id,
    parent,
    service,
    at,
    attributes: { 'span.id': span_id },
    resource: { 'service.name': service },
  });

/**
 * The granules a plan reads through the projection and from the table's own order (0: no such
 * read). A plan that reads both draws a tree (│ in front of its lines).
 */
function granules(plan: string): { projection: number; table: number } {
  const read = (name: string) => {
    const header = plan.indexOf(`ReadFromMergeTree (${name})`);
    if (header < 0) return 0;
    return Number(/Parts: \d+ \| Granules: (\d+)/.exec(plan.slice(header))?.[1]);
  };
  return { projection: read('spans_by_trace'), table: read(`${db}.spans_v1`) };
}

describe('spans_by_trace projection (migration 010)', () => {
  let admin: ClickHouseClient;
  let ch: ClickHouseClient;
  let before010: string;
  const scope = { org_id: org, env: 'live', trace_id: A };
  const insert = (table: string, values: object[]) => ch.insert({ table, values, format: 'JSONEachRow' });
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
    // Parts stay as inserted until the MATERIALIZE below, so each plan is known.
    await ch.command({ query: 'SYSTEM STOP MERGES spans_v1' });
    // One part: trace A's three spans, each in the middle of its service's 9,000 spans of other
    // traces, so the table's order (service, start) puts them in three different granules.
    const rows: SpanRow[] = [];
    for (const service of ['api', 'cache', 'db'])
      for (let i = 0; i < FILLER; i++)
        rows.push(
          span(
            randomBytes(16).toString('hex'),
            `f${i}`,
            '',
            service,
            t0 - 30_000n * MS + BigInt(i) * 6n * MS,
          ),
        );
    rows.push(span(A, 's1', '', 'api', t0), span(A, 's2', 's1', 'db', t0 + 10n * MS));
    rows.push(span(A, 's3', 's1', 'cache', t0 + 20n * MS));
    await insert('spans_v1', rows);
  });

  afterAll(async () => {
    await ch?.command({ query: 'SYSTEM START MERGES spans_v1' }).catch(() => undefined);
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await ch?.close();
    await admin?.close();
    if (before010) await rm(before010, { recursive: true, force: true });
  });

  it('reads new parts through the projection at once, older ones once materialized, one granule where the table needs one per service', async () => {
    expect(granules(await plan())).toEqual({ projection: 0, table: 3 });
    expect(await migrate(ch, { retentionDays: 30 })).toEqual(['010_spans_by_trace.sql']);
    // The migration does not rewrite what is stored: the old part is read as before.
    expect(granules(await plan())).toEqual({ projection: 0, table: 3 });
    expect(await spanIds()).toEqual([
      ['s1', 'api'],
      ['s2', 'db'],
      ['s3', 'cache'],
    ]);
    // A part written after the migration has the projection from its insert.
    await insert('spans_v1', [span(A, 's4', 's3', 'queue', t0 + 30n * MS)]);
    const mixed = granules(await plan());
    expect(mixed.projection).toBe(1);
    expect(mixed.table).toBeGreaterThan(0);
    // The documented one-time step for data stored before the upgrade (a mutation: merges on).
    await ch.command({ query: 'SYSTEM START MERGES spans_v1' });
    await ch.command({
      query: 'ALTER TABLE spans_v1 MATERIALIZE PROJECTION spans_by_trace',
      clickhouse_settings: { mutations_sync: '2' },
    });
    const after = await plan();
    expect(after).not.toContain(`ReadFromMergeTree (${db}.spans_v1)`);
    // One granule per part (two parts, or one if they merged meanwhile).
    expect([1, 2]).toContain(granules(after).projection);
  });

  it('reads a trace whole across parts from before and after the migration, and without the projection', async () => {
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

    // The opt-out: reads stay whole, from the table's order, within the trace's days only.
    await ch.command({ query: 'SYSTEM START MERGES spans_v1' });
    await insert('spans_v1', [
      span(randomBytes(16).toString('hex'), 'old', '', 'api', t0 - 3n * 86_400_000n * MS),
    ]);
    await ch.command({ query: 'ALTER TABLE spans_v1 DROP PROJECTION spans_by_trace' });
    const dropped = await plan();
    expect(granules(dropped)).toEqual({ projection: 0, table: 4 });
    const [, picked, of] = /Min-Max[\s\S]*?Parts: (\d+)\/(\d+)/.exec(dropped) ?? [];
    expect(Number(picked)).toBeLessThan(Number(of));
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
    // One part per event, latest first.
    for (const e of [
      ev('s3', 'decision', t0 + 25n * MS, { n: 3 }),
      ev('s2', 'tool.result', t0 + 12n * MS, { n: 2 }),
      ev('', 'llm.call', t0 + 1n * MS, { n: 1 }),
    ])
      await insert('agent_events_v1', [e]);
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
    await insert('traces_v1', [record]);
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
    await insert('trace_completions_v1', [done]);

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
    expect(await getTrace(ch, { ...scope, org_id: 'another_org' })).toBeNull();
  });
});
