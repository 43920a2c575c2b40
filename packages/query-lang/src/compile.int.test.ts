import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSearch } from './compile-sql.js';

/**
 * Runs compiled WHERE clauses on the dev stack's ClickHouse against a throw-away span table, so the SQL
 * shapes (parameter types, Map access, match, ifNull) are checked by the real engine, not by string
 * comparison. Fails, never skips, when ClickHouse is not reachable.
 */

function clickhouseUrl(): string {
  if (process.env.CLICKHOUSE_URL) return process.env.CLICKHOUSE_URL;
  const file = new URL('../../../.stack/env', import.meta.url);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`CLICKHOUSE_URL is not set and ${file.pathname} is missing (start the dev stack)`);
  }
  const line = text.split('\n').find((l) => l.startsWith('CLICKHOUSE_URL='));
  if (!line) throw new Error(`${file.pathname} has no CLICKHOUSE_URL line`);
  return line.slice('CLICKHOUSE_URL='.length).trim();
}

const TABLE = `query_lang_it_${Date.now()}_${randomBytes(4).toString('hex')}`;
const DROP_NOTE = "'); DROP TABLE x; --";
const SQL_TEXT = `SELECT * FROM "users" WHERE x = '1'`;

const ROWS = [
  {
    trace_id: 't1',
    span_id: 's1',
    service: 'api',
    name: 'GET /users',
    kind: 'server',
    duration_ns: 120_000_000,
    status: 'ok',
    attributes: { 'http.status_code': '200', 'http.method': 'GET', 'cache.hit': 'true' },
    resource: { 'k8s.cluster.name': 'prod-eu' },
    agent_id: 'agent-1',
  },
  {
    trace_id: 't1',
    span_id: 's2',
    service: 'api',
    name: 'POST /orders',
    kind: 'server',
    duration_ns: 1_500_000_000,
    status: 'error',
    attributes: { 'http.status_code': '503', 'http.method': 'POST', note: DROP_NOTE },
    resource: { 'k8s.cluster.name': 'prod-us' },
    agent_id: 'agent-2',
  },
  {
    trace_id: 't2',
    span_id: 's3',
    service: 'db',
    name: 'SELECT users',
    kind: 'client',
    duration_ns: 5_000_000,
    status: 'unset',
    attributes: { 'db.statement': SQL_TEXT, 'weird key': 'back\\slash' },
    resource: {},
    agent_id: '',
  },
  {
    trace_id: 't3',
    span_id: 's4',
    service: 'worker',
    name: 'process 日本',
    kind: 'consumer',
    duration_ns: 120_000_000_000,
    status: 'error',
    attributes: { 'http.status_code': 'abc', emoji: '🚀 ok', 'cache.hit': 'false', empty: '' },
    resource: { 'k8s.cluster.name': 'staging' },
    agent_id: 'agent-1',
  },
  {
    trace_id: 't3',
    span_id: 's5',
    service: `quote"svc'`,
    name: 'x',
    kind: 'internal',
    duration_ns: 250_000,
    status: 'ok',
    attributes: {},
    resource: {},
    agent_id: 'agent-3',
  },
];

let ch: ClickHouseClient;

beforeAll(async () => {
  ch = createClient({ url: clickhouseUrl(), request_timeout: 30_000 });
  const ping = await ch.ping();
  if (!ping.success) throw new Error(`ClickHouse unreachable: ${String(ping.error)}`);
  await ch.command({
    query: `CREATE TABLE ${TABLE} (
      trace_id String, span_id String, service LowCardinality(String), name String, kind LowCardinality(String),
      duration_ns UInt64, status LowCardinality(String), attributes Map(LowCardinality(String), String),
      resource Map(LowCardinality(String), String), agent_id String
    ) ENGINE = MergeTree ORDER BY span_id`,
  });
  await ch.insert({ table: TABLE, values: ROWS, format: 'JSONEachRow' });
});

afterAll(async () => {
  await ch?.command({ query: `DROP TABLE IF EXISTS ${TABLE}` });
  await ch?.close();
});

async function matching(expr: string): Promise<string[]> {
  const { where, params } = compileSearch(expr);
  const rs = await ch.query({
    query: `SELECT span_id FROM ${TABLE} WHERE (${where}) ORDER BY span_id`,
    query_params: params,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ span_id: string }>()).map((r) => r.span_id);
}

const q = (s: string) => JSON.stringify(s); // JSON string escapes are a subset of the language's

describe('compiled search on ClickHouse', () => {
  it.each<[string, string[]]>([
    ['http.status_code >= 500', ['s2']],
    ['http.status_code < 500', ['s1']],
    ['http.status_code = 2e2', ['s1']],
    ['NOT http.status_code >= 500', ['s1', 's3', 's4', 's5']],
    ['status = error AND duration > 1s', ['s2', 's4']],
    ['duration > 100', ['s1', 's2', 's4']],
    ['duration <= 250us', ['s5']],
    ['duration > 3000000h', []],
    ['service.name = "api" AND kind = server AND NOT status = ok', ['s2']],
    ['kind = consumer OR (kind = client AND duration < 10ms)', ['s3', 's4']],
    ['name =~ "(?i)^get "', ['s1']],
    ['name !~ "users"', ['s2', 's4', 's5']],
    ['name =~ "日本$"', ['s4']],
    ['resource.k8s.cluster.name =~ "^prod-"', ['s1', 's2']],
    ['http.method != "GET"', ['s2']],
    // Equality needs no presence test; its negation still matches spans without the key.
    ['http.method = "GET"', ['s1']],
    ['NOT http.method = "GET"', ['s2', 's3', 's4', 's5']],
    ['cache.hit = true', ['s1']],
    ['cache.hit != TRUE', ['s4']],
    ['attr.empty = ""', ['s4']],
    ['attr.emoji = "\\uD83D\\uDE80 ok"', ['s4']],
    ['trace_id = "t2" OR agent_id = "agent-2"', ['s2', 's3']],
    [`attr.note = ${q(DROP_NOTE)}`, ['s2']],
    [`db.statement = ${q(SQL_TEXT)}`, ['s3']],
    ['attr."weird key" = "back\\\\slash"', ['s3']],
    [`service.name = ${q(`quote"svc'`)}`, ['s5']],
    [`attr.${q("'); DROP TABLE spans; --")} = "x" OR name = "\\\\'; --"`, []],
  ])('%s', async (expr, spans) => {
    expect(await matching(expr)).toEqual(spans);
  });

  it('works in the intended shape: filters AND (where), grouped by trace', async () => {
    const { where, params } = compileSearch('http.status_code >= 500 OR kind = internal', {
      paramPrefix: 'search_',
    });
    const rs = await ch.query({
      query: `SELECT trace_id FROM ${TABLE} WHERE agent_id != {agent:String} AND (${where}) GROUP BY trace_id ORDER BY trace_id`,
      query_params: { ...params, agent: 'nobody' },
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ trace_id: string }>()).map((r) => r.trace_id)).toEqual(['t1', 't3']);
  });

  it('leaves the table intact after hostile input', async () => {
    const rs = await ch.query({
      query: `SELECT toString(count()) AS n FROM ${TABLE}`,
      format: 'JSONEachRow',
    });
    expect(await rs.json<{ n: string }>()).toEqual([{ n: '5' }]);
  });
});
