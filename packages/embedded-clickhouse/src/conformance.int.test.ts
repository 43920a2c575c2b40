import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedClickHouse, startEmbeddedClickHouse } from './embedded-clickhouse.js';
import { collect, makeTempDir, uniqueName } from './test-support.js';

// Drives the server only through @clickhouse/client, the way the storage package will.
let server: EmbeddedClickHouse;
let client: ClickHouseClient;
/** No default settings: each request it sends is exactly what the test writes. */
let plain: ClickHouseClient;
const tmp = makeTempDir('ch-conformance');

beforeAll(async () => {
  server = await startEmbeddedClickHouse({ dataDir: tmp.dir, port: 0, poolSize: 4 });
  // ClickHouse 25.8+ answers 64-bit integers as JSON numbers by default, which JavaScript rounds;
  // the storage package asks for strings, and so does this client.
  client = createClient({
    url: server.url,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    log: { level: ClickHouseLogLevel.OFF },
  });
  plain = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
});

afterAll(async () => {
  await client?.close();
  await plain?.close();
  await server?.stop();
  tmp.remove();
});

async function rows<T>(query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow', ...(query_params ? { query_params } : {}) });
  return rs.json<T>();
}

async function expectClickHouseError(
  p: Promise<unknown>,
  code: string,
  type: string,
): Promise<ClickHouseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClickHouseError);
  const ch = err as ClickHouseError;
  expect(ch.code).toBe(code);
  expect(ch.type).toBe(type);
  return ch;
}

const SPAN_COLUMNS = `
  ts DateTime64(9),
  attrs Map(LowCardinality(String), String),
  tags Array(String),
  service LowCardinality(String),
  blob String,
  n UInt64,
  f Float64,
  maybe Nullable(String)`;

const ROW = {
  ts: '2026-01-02 03:04:05.123456789',
  attrs: { 'http.method': 'GET', "it's": 'a\\b "c"' },
  tags: ['a', "b'c", 'd\ne'],
  service: 'checkout',
  blob: JSON.stringify({ nested: { k: [1, 2, 3] }, s: 'é🚀' }),
  n: '18446744073709551615',
  f: Math.PI,
  maybe: null,
};

describe('embedded ClickHouse through @clickhouse/client', () => {
  it('answers ping, plain and as a SELECT', async () => {
    expect((await client.ping()).success).toBe(true);
    expect((await client.ping({ select: true })).success).toBe(true);
  });

  it('runs DDL: MergeTree, ReplacingMergeTree and a materialized view', async () => {
    const raw = uniqueName('ddl_raw');
    const agg = uniqueName('ddl_agg');
    const mv = uniqueName('ddl_mv');
    await client.command({
      query: `CREATE TABLE ${raw} (${SPAN_COLUMNS}) ENGINE = MergeTree ORDER BY (service, ts)`,
    });
    await client.command({
      query: `CREATE TABLE ${agg} (service LowCardinality(String), last DateTime64(9), version UInt64)
              ENGINE = ReplacingMergeTree(version) ORDER BY service`,
    });
    await client.command({
      query: `CREATE MATERIALIZED VIEW ${mv} TO ${agg} AS SELECT service, ts AS last, toUInt64(1) AS version FROM ${raw}`,
    });
    await client.insert({ table: raw, values: [ROW, { ...ROW, service: 'cart' }], format: 'JSONEachRow' });
    const got = await rows<{ service: string; last: string }>(
      `SELECT service, last FROM ${agg} FINAL ORDER BY service`,
    );
    expect(got).toEqual([
      { service: 'cart', last: ROW.ts },
      { service: 'checkout', last: ROW.ts },
    ]);
    const tables = await rows<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE name IN ({names:Array(String)}) ORDER BY name`,
      { names: [raw, agg, mv] },
    );
    expect(new Set(tables.map((t) => t.engine))).toEqual(
      new Set(['MergeTree', 'ReplacingMergeTree', 'MaterializedView']),
    );
  });

  it('round-trips every column type of the schema through JSONEachRow and JSONCompactEachRow', async () => {
    const t = uniqueName('types');
    await client.command({ query: `CREATE TABLE ${t} (${SPAN_COLUMNS}) ENGINE = MergeTree ORDER BY ts` });
    await client.insert({ table: t, values: [ROW], format: 'JSONEachRow' });
    await client.insert({
      table: t,
      columns: ['ts', 'service', 'n', 'f', 'maybe'],
      values: [['2026-01-02 03:04:05.000000001', 'compact', '1', -0.5, 'present']],
      format: 'JSONCompactEachRow',
    });
    const got = await rows<Record<string, unknown>>(`SELECT * FROM ${t} ORDER BY service`);
    expect(got).toEqual([
      { ...ROW },
      {
        ts: '2026-01-02 03:04:05.000000001',
        attrs: {},
        tags: [],
        service: 'compact',
        blob: '',
        n: '1',
        f: -0.5,
        maybe: 'present',
      },
    ]);
  });

  it('answers JSON, JSONEachRow and JSONCompact, with 64-bit integers quoted when asked', async () => {
    const sql =
      'SELECT toUInt64(18446744073709551615) AS big, toFloat64(1.5) AS f, toDateTime64(0.000000001, 9) AS t';
    const json = await (await client.query({ query: sql, format: 'JSON' })).json<{
      data: unknown[];
      rows: number;
    }>();
    expect(json.rows).toBe(1);
    expect(json.data).toEqual([{ big: '18446744073709551615', f: 1.5, t: '1970-01-01 00:00:00.000000001' }]);
    const each = await (await client.query({ query: sql, format: 'JSONEachRow' })).json();
    expect(each).toEqual([{ big: '18446744073709551615', f: 1.5, t: '1970-01-01 00:00:00.000000001' }]);
    const compact = await (await client.query({ query: sql, format: 'JSONCompact' })).json<{
      data: unknown[];
    }>();
    expect(compact.data).toEqual([['18446744073709551615', 1.5, '1970-01-01 00:00:00.000000001']]);
    // Without the setting the engine keeps the 26.x default: unquoted.
    const unquoted = await plain.query({ query: 'SELECT toUInt64(42) AS n', format: 'JSONEachRow' });
    expect(await unquoted.json()).toEqual([{ n: 42 }]);
  });

  it('binds query_params of every type server-side, byte for byte', async () => {
    const s = `it's "quoted" \\ back\\slash\nnew\tline \u00e9\u4e2d\u{1f680} {x:String} '; DROP TABLE t; --`;
    const params = {
      s,
      n: '18446744073709551615',
      arr: ["a'b", 'c\\d', 'e\nf', ''],
      ts: '2026-01-01 00:00:00.123456789',
      m: { "k'1": 'v\\1', k2: 'line\nbreak' },
    };
    const got = await rows<Record<string, unknown>>(
      `SELECT {s:String} AS s, {n:UInt64} AS n, {arr:Array(String)} AS arr,
              {ts:DateTime64(9)} AS ts, {m:Map(String, String)} AS m`,
      params,
    );
    expect(got).toEqual([params]);
    // The same again through a multipart body, as the client sends oversized parameters.
    const multipart = await client.query({
      query: 'SELECT {s:String} AS s, {arr:Array(String)} AS arr',
      format: 'JSONEachRow',
      query_params: { s, arr: params.arr },
      use_multipart_params: true,
    });
    expect(await multipart.json()).toEqual([{ s, arr: params.arr }]);
  });

  it('does not leak query parameters into the next request', async () => {
    await rows('SELECT {leak:String} AS v', { leak: 'x' });
    for (let i = 0; i < 6; i++) {
      await expectClickHouseError(rows('SELECT {leak:String} AS v'), '456', 'UNKNOWN_QUERY_PARAMETER');
    }
  });

  it('applies clickhouse_settings to that query only', async () => {
    const maxThreads = async (c: ClickHouseClient, settings?: Record<string, number>) => {
      const rs = await c.query({
        query: "SELECT getSetting('max_threads') AS t",
        format: 'JSONEachRow',
        ...(settings ? { clickhouse_settings: settings } : {}),
      });
      return ((await rs.json()) as Array<{ t: number }>)[0]?.t;
    };
    expect(await maxThreads(plain, { max_threads: 1 })).toBe(1);
    // Every pooled session must be back to the default, whichever one serves the query.
    for (const t of await Promise.all(Array.from({ length: 8 }, () => maxThreads(plain))))
      expect(t).not.toBe(1);
    // A SET sent as a command lasts for that request only, as on a server without session_id.
    await plain.command({ query: 'SET max_threads = 1' });
    for (const t of await Promise.all(Array.from({ length: 8 }, () => maxThreads(plain))))
      expect(t).not.toBe(1);
  });

  it('honours the settings the project relies on', async () => {
    // 26.x defaults (best_effort since 26.5, async_insert on since 26.2), then overridden per query.
    const sql = "SELECT getSetting('date_time_input_format') AS dtif, getSetting('async_insert') AS ai";
    expect(await rows(sql)).toEqual([{ dtif: 'best_effort', ai: true }]);
    const set = await client.query({
      query: sql,
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'basic', async_insert: 0, wait_end_of_query: 1 },
    });
    expect(await set.json()).toEqual([{ dtif: 'basic', ai: false }]);
    await expectClickHouseError(
      client.query({
        query: 'SELECT sleep(3)',
        format: 'JSONEachRow',
        clickhouse_settings: { max_execution_time: 1 },
      }),
      '159',
      'TIMEOUT_EXCEEDED',
    );
    const t = uniqueName('skip_unknown');
    await client.command({ query: `CREATE TABLE ${t} (a UInt32) ENGINE = MergeTree ORDER BY a` });
    const extra = [{ a: 1, extra: 'x' }];
    await expectClickHouseError(
      client.insert({
        table: t,
        values: extra,
        format: 'JSONEachRow',
        clickhouse_settings: { input_format_skip_unknown_fields: 0 },
      }),
      '117',
      'INCORRECT_DATA',
    );
    await client.insert({
      table: t,
      values: extra,
      format: 'JSONEachRow',
      clickhouse_settings: { input_format_skip_unknown_fields: 1, async_insert: 1, wait_for_async_insert: 1 },
    });
    expect(await rows(`SELECT a FROM ${t}`)).toEqual([{ a: 1 }]);
  });

  it('deduplicates a retried insert by insert_deduplication_token', async () => {
    const t = uniqueName('dedup');
    await client.command({
      query: `CREATE TABLE ${t} (id UInt64, v String) ENGINE = MergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    const values = [
      { id: '1', v: 'a' },
      { id: '2', v: 'b' },
    ];
    const insert = (token: string) =>
      client.insert({
        table: t,
        values,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: token },
      });
    await insert('batch-1');
    await insert('batch-1');
    expect(await rows(`SELECT count() AS c FROM ${t}`)).toEqual([{ c: '2' }]);
    await insert('batch-2');
    expect(await rows(`SELECT count() AS c FROM ${t}`)).toEqual([{ c: '4' }]);
  });

  it('surfaces engine errors as ClickHouseError with code and type', async () => {
    const syntax = await expectClickHouseError(client.query({ query: 'SELEC 1' }), '62', 'SYNTAX_ERROR');
    expect(syntax.message).toContain('Syntax error');
    await expectClickHouseError(
      client.query({ query: `SELECT * FROM ${uniqueName('missing')}` }),
      '60',
      'UNKNOWN_TABLE',
    );
    await expectClickHouseError(
      client.insert({ table: uniqueName('missing'), values: [{ a: 1 }], format: 'JSONEachRow' }),
      '60',
      'UNKNOWN_TABLE',
    );
    await expectClickHouseError(client.command({ query: 'CREATE TABLE broken (' }), '62', 'SYNTAX_ERROR');
  });

  it('echoes query_id and reports a summary', async () => {
    const rs = await client.query({
      query: 'SELECT 1 AS one',
      format: 'JSONEachRow',
      query_id: 'conformance-q1',
    });
    expect(rs.query_id).toBe('conformance-q1');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe('conformance-q1');
    expect(rs.response_headers['x-clickhouse-format']).toBe('JSONEachRow');
    await rs.json();
    const t = uniqueName('summary');
    await client.command({ query: `CREATE TABLE ${t} (a UInt32) ENGINE = MergeTree ORDER BY a` });
    const res = await client.insert({
      table: t,
      values: [{ a: 1 }, { a: 2 }],
      format: 'JSONEachRow',
      query_id: 'ins-1',
    });
    expect(res.query_id).toBe('ins-1');
    expect(res.summary?.written_rows).toBe('2');
  });

  it('accepts gzip request bodies and sends gzip responses', async () => {
    const gz = createClient({ url: server.url, compression: { request: true, response: true } });
    try {
      const t = uniqueName('gzip');
      await gz.command({ query: `CREATE TABLE ${t} (id UInt32, s String) ENGINE = MergeTree ORDER BY id` });
      const values = Array.from({ length: 500 }, (_, id) => ({ id, s: `row-${id}`.repeat(10) }));
      await gz.insert({ table: t, values, format: 'JSONEachRow' });
      const rs = await gz.query({ query: `SELECT id, s FROM ${t} ORDER BY id`, format: 'JSONEachRow' });
      expect(rs.response_headers['content-encoding']).toBe('gzip');
      expect(await rs.json()).toEqual(values);
    } finally {
      await gz.close();
    }
  });

  it('serves a database other than default', async () => {
    const db = uniqueName('db');
    await client.command({ query: `CREATE DATABASE ${db}` });
    const scoped = createClient({ url: server.url, database: db });
    try {
      await scoped.command({ query: 'CREATE TABLE t (a UInt32) ENGINE = MergeTree ORDER BY a' });
      await scoped.insert({ table: 't', values: [{ a: 7 }], format: 'JSONEachRow' });
      const rs = await scoped.query({
        query: 'SELECT a, currentDatabase() AS db FROM t',
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ a: 7, db }]);
    } finally {
      await scoped.close();
    }
    expect(await rows('SELECT currentDatabase() AS db')).toEqual([{ db: 'default' }]);
  });

  it('ingests binary formats: RowBinary through exec() and Parquet through insert()', async () => {
    const t = uniqueName('binary');
    await client.command({
      query: `CREATE TABLE ${t} (id UInt64, s String, m Map(LowCardinality(String), String),
              ts DateTime64(9), up String MATERIALIZED upper(s)) ENGINE = MergeTree ORDER BY id`,
    });
    const source = `SELECT toUInt64(number) AS id, concat('v''\\\\', toString(number)) AS s,
      map('k', toString(number)) AS m, toDateTime64('2026-01-01 00:00:00.123456789', 9) AS ts FROM numbers(3)`;
    const rowBinary = await collect((await client.exec({ query: `${source} FORMAT RowBinary` })).stream);
    await client.exec({
      query: `INSERT INTO ${t} FORMAT RowBinary`,
      values: Readable.from([rowBinary], { objectMode: false }),
    });
    const parquet = await collect((await client.exec({ query: `${source} FORMAT Parquet` })).stream);
    await client.insert({
      table: t,
      values: Readable.from([parquet], { objectMode: false }),
      format: 'Parquet',
    });
    const got = await rows<{ id: string; s: string; m: Record<string, string>; ts: string; up: string }>(
      `SELECT id, s, m, ts, up FROM ${t} ORDER BY id, s`,
    );
    const expected = [0, 1, 2].map((n) => ({
      id: String(n),
      s: `v'\\${n}`,
      m: { k: String(n) },
      ts: '2026-01-01 00:00:00.123456789',
      up: `V'\\${n}`,
    }));
    expect(got).toEqual(expected.flatMap((r) => [r, r]));
  });

  it('runs 20 concurrent queries with correct results', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rows<{ i: number; s: string }>(
          'SELECT {i:UInt32} AS i, sum(number) AS s FROM numbers({i:UInt32} * 1000)',
          { i },
        ),
      ),
    );
    results.forEach((r, i) => {
      const n = i * 1000;
      expect(r).toEqual([{ i, s: String((n * (n - 1)) / 2) }]);
    });
  });

  it('keeps answering /ping and light queries while a heavy query runs', async () => {
    let heavyDone = false;
    const heavy = client
      .query({ query: 'SELECT max(sipHash64(number)) AS m FROM numbers(200000000)', format: 'JSONEachRow' })
      .then((rs) => rs.json())
      .finally(() => {
        heavyDone = true;
      });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect((await client.ping()).success).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(heavyDone).toBe(false);
    expect(await heavy).toHaveLength(1);
  });
});
