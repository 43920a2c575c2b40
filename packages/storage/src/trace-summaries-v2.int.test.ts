import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatClickHouseNs } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseClient, createClickHouse } from './client.js';
import { migrate, readMigrations } from './migrate.js';
import type { CompletionRow, SpanRow, TraceRow } from './rows.js';
import { stackClickHouseUrl, storedSpan } from './test-support.js';
import { listTraceSummaries, type TraceSummary } from './trace-summary-reader.js';

/**
 * Migration 009 on a database that already holds data: the backfill and the views it creates meet
 * without counting anything twice, even when the migration runs twice (two services starting at
 * once), and a span delivered twice counts once.
 */

const MS = 1_000_000n;
const db = `mt_v2_${randomBytes(4).toString('hex')}`;
const org = 'org_v2';
const now = BigInt(Date.now()) * MS;
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

const span = (
  trace_id: string,
  span_id: string,
  parent: string,
  service: string,
  status: string,
  at: bigint,
): SpanRow => storedSpan({ org_id: org, trace_id, span_id, parent, service, status, at });

const record = (name: string, agent_id: string, at: bigint): TraceRow => ({
  org_id: org,
  env: 'live',
  trace_id: A,
  name,
  service: 'api',
  agent_id,
  start_time: formatClickHouseNs(now - 60_000n * MS),
  attributes: {},
  input: '',
  ingested_at: formatClickHouseNs(at),
});

const completion = (status: string, at: bigint): CompletionRow => ({
  org_id: org,
  env: 'live',
  trace_id: A,
  status,
  end_time: null,
  output: '',
  error: '',
  attributes: {},
  received_at: formatClickHouseNs(at),
});

describe('trace_summaries_v2 (migration 009)', () => {
  let admin: ClickHouseClient;
  let ch: ClickHouseClient;
  let before008: string;
  const t0 = now - 60_000n * MS;

  const insert = (table: string, values: object[]) => ch.insert({ table, values, format: 'JSONEachRow' });
  const list = async (): Promise<Map<string, TraceSummary>> => {
    const page = await listTraceSummaries(ch, {
      org_id: org,
      env: 'live',
      from: now - 3_600_000n * MS,
      to: now,
      limit: 50,
    });
    return new Map(page.items.map((t) => [t.trace_id, t]));
  };

  beforeAll(async () => {
    admin = createClickHouse({ url: stackClickHouseUrl() });
    await admin.command({ query: `CREATE DATABASE ${db}` });
    ch = createClickHouse({ url: stackClickHouseUrl(), database: db });
    // The schema as it was before 009, with data in it.
    before008 = await mkdtemp(join(tmpdir(), 'mt-migrations-'));
    const dir = new URL('../migrations/', import.meta.url);
    for (const f of await readdir(dir))
      if (/^00[1-8]_.+\.sql$/.test(f)) await copyFile(new URL(f, dir), join(before008, f));
    await migrate(ch, { retentionDays: 30, dir: pathToFileURL(`${before008}/`) });
    await insert('spans_v1', [
      span(A, 's1', '', 'api', 'ok', t0),
      span(A, 's2', 's1', 'db', 'error', t0 + 10n * MS),
      span(B, 'b1', '', 'worker', 'unset', t0 + 20n * MS),
    ]);
    // The same span delivered again (a client retry), in another insert.
    await insert('spans_v1', [span(A, 's2', 's1', 'db', 'error', t0 + 10n * MS)]);
    await insert('traces_v1', [record('first name', 'agent-1', t0)]);
  });

  afterAll(async () => {
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await ch?.close();
    await admin?.close();
    if (before008) await rm(before008, { recursive: true, force: true });
  });

  it('backfills what was stored before it, then keeps the summaries with its views, counting each span once', async () => {
    expect(await migrate(ch, { retentionDays: 30 })).toEqual([
      '009_trace_summaries_v2.sql',
      '010_spans_by_trace.sql',
    ]);
    const backfilled = await list();
    expect(backfilled.get(A)).toMatchObject({
      name: 'first name',
      agent_id: 'agent-1',
      root_service: 'api',
      services: ['api', 'db'],
      span_count: 2,
      error_count: 1,
      status: 'error',
      lifecycle: 'running',
    });
    expect(backfilled.get(B)).toMatchObject({
      span_count: 1,
      error_count: 0,
      status: 'unset',
      agent_id: null,
    });

    // After the migration: a new span, a span seen before, a newer trace record and a completion.
    await insert('spans_v1', [
      span(A, 's3', 's1', 'cache', 'unset', t0 + 30n * MS),
      span(A, 's1', '', 'api', 'ok', t0),
    ]);
    await insert('traces_v1', [record('renamed', 'agent-1', t0 + 1000n * MS)]);
    await insert('trace_completions_v1', [completion('completed', t0 + 2000n * MS)]);
    // A second service applying 009 at the same moment runs every statement again, backfill included.
    const [m009] = (await readMigrations(30)).filter((m) => m.version === 9);
    for (const statement of m009?.statements ?? []) await ch.command({ query: statement });

    const after = await list();
    expect(after.get(A)).toMatchObject({
      name: 'renamed',
      root_service: 'api',
      services: ['api', 'cache', 'db'],
      span_count: 3,
      error_count: 1,
      status: 'error',
      lifecycle: 'completed',
      start_time: expect.any(String),
    });
    expect(after.get(B)).toMatchObject({ span_count: 1, error_count: 0 });
    expect(after.get(A)?.duration_ms).toBe(35);
  });

  it('keeps the v1 summaries filled, for query replicas of the previous release during an upgrade', async () => {
    const count = async () => {
      const rs = await ch.query({
        query: `SELECT toString(sum(span_count)) AS n FROM trace_summaries_v1 WHERE trace_id = {t:String}`,
        query_params: { t: B },
        format: 'JSONEachRow',
      });
      return Number((await rs.json<{ n: string }>())[0]?.n);
    };
    const before = await count();
    await insert('spans_v1', [span(B, 'b2', 'b1', 'worker', 'ok', t0 + 25n * MS)]);
    expect(await count()).toBe(before + 1);
  });

  it('names a trace after its last trace record when versions tie, as traces_v1 FINAL does', async () => {
    const tie = t0 + 5000n * MS;
    const C = 'c'.repeat(32);
    await insert('spans_v1', [span(C, 'c1', '', 'api', 'ok', t0)]);
    await insert('traces_v1', [
      { ...record('one', 'agent-1', tie), trace_id: C },
      { ...record('two', 'agent-2', tie), trace_id: C },
    ]);
    const final = async () => {
      const rs = await ch.query({
        query: 'SELECT name FROM traces_v1 FINAL WHERE trace_id = {t:String}',
        query_params: { t: C },
        format: 'JSONEachRow',
      });
      return (await rs.json<{ name: string }>())[0]?.name;
    };
    expect((await list()).get(C)).toMatchObject({ name: 'two', agent_id: 'agent-2' });
    expect(await final()).toBe('two');
    // A later insert with the same version wins too.
    await insert('traces_v1', [{ ...record('three', 'agent-3', tie), trace_id: C }]);
    expect((await list()).get(C)).toMatchObject({ name: 'three', agent_id: 'agent-3' });
    expect(await final()).toBe('three');
  });
});
