import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedClickHouse, startEmbeddedClickHouse } from './embedded-clickhouse.js';
import { makeTempDir, uniqueName } from './test-support.js';

// The HTTP details @clickhouse/client does not show: statuses, headers, limits, odd request shapes.
let server: EmbeddedClickHouse;
let small: EmbeddedClickHouse;
const tmp = makeTempDir('ch-http');

beforeAll(async () => {
  server = await startEmbeddedClickHouse({ dataDir: tmp.dir });
  // Same data directory (allowed in one process), with a tiny body limit.
  small = await startEmbeddedClickHouse({ dataDir: tmp.dir, maxBodyBytes: 1024, poolSize: 1 });
});

afterAll(async () => {
  await small?.stop();
  await server?.stop();
  tmp.remove();
});

function post(sql: string, search = '', init: RequestInit = {}, base = server.url): Promise<Response> {
  return fetch(`${base}/?${search}`, { method: 'POST', body: sql, ...init });
}

async function expectError(res: Response, status: number, code: number, type: string): Promise<string> {
  const body = await res.text();
  expect(res.status).toBe(status);
  expect(res.headers.get('x-clickhouse-exception-code')).toBe(String(code));
  expect(body).toMatch(
    new RegExp(`^Code: ${code}\\. DB::Exception: [\\s\\S]*\\(${type}\\) \\(version 26\\.\\d+`),
  );
  return body;
}

describe('ClickHouse HTTP interface details', () => {
  it('answers health checks without the engine', async () => {
    for (const path of ['/ping', '/', '/replicas_status']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Ok.\n');
    }
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect(server.health()).toEqual({ ok: true });
  });

  it('runs GET ?query= and POST with the query split between URL and body', async () => {
    const get = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 1 + 1')}`);
    expect(await get.text()).toBe('2\n');
    const split = await post('41 + 1', `query=${encodeURIComponent('SELECT')}`);
    expect(await split.text()).toBe('42\n');
    expect(split.headers.get('x-clickhouse-format')).toBe('TabSeparated');
  });

  it('maps engine errors to ClickHouse statuses, codes and bodies', async () => {
    await expectError(await post('SELEC 1'), 400, 62, 'SYNTAX_ERROR');
    await expectError(await post(`SELECT * FROM ${uniqueName('nope')}`), 404, 60, 'UNKNOWN_TABLE');
    await expectError(await post('SELECT 1', 'no_such_setting=1'), 404, 115, 'UNKNOWN_SETTING');
    await expectError(await post('SELECT 1', 'bad-name=1'), 400, 36, 'BAD_ARGUMENTS');
    await expectError(await post('SELECT 1', 'param_bad-name=1'), 400, 36, 'BAD_ARGUMENTS');
    await expectError(await post('SELECT 1', 'compress=1'), 501, 48, 'NOT_IMPLEMENTED');
    await expectError(await post(''), 400, 62, 'SYNTAX_ERROR');
    await expectError(await post('SELECT sleep(2)', 'max_execution_time=1'), 408, 159, 'TIMEOUT_EXCEEDED');
    const bad = await post('x', '', { headers: { 'Content-Encoding': 'lz77' } });
    await expectError(bad, 415, 779, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('sends query id, format, summary and server headers', async () => {
    const res = await post('SELECT number FROM numbers(5) FORMAT JSONEachRow', 'query_id=hdr-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clickhouse-query-id')).toBe('hdr-1');
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(res.headers.get('x-clickhouse-server-display-name')).toBeTruthy();
    const summary = JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, unknown>;
    for (const key of [
      'read_rows',
      'read_bytes',
      'written_rows',
      'written_bytes',
      'total_rows_to_read',
      'result_rows',
      'result_bytes',
      'elapsed_ns',
    ]) {
      expect(typeof summary[key]).toBe('string');
    }
    expect(summary.result_rows).toBe('5');
    expect((await res.text()).trim().split('\n')).toHaveLength(5);
    const ddl = await post(`CREATE TABLE ${uniqueName('h')} (a UInt8) ENGINE = Memory`);
    expect(ddl.status).toBe(200);
    expect(ddl.headers.get('x-clickhouse-format')).toBeNull();
    expect(ddl.headers.get('x-clickhouse-query-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts and ignores credentials', async () => {
    const res = await post('SELECT 1', 'user=default&password=secret', {
      headers: {
        Authorization: `Basic ${Buffer.from('default:secret').toString('base64')}`,
        'X-ClickHouse-User': 'default',
        'X-ClickHouse-Key': 'secret',
      },
    });
    expect(await res.text()).toBe('1\n');
  });

  it('compresses responses only when asked with enable_http_compression', async () => {
    const asked = await post('SELECT 1', 'enable_http_compression=1', {
      headers: { 'Accept-Encoding': 'br' },
    });
    expect(asked.headers.get('content-encoding')).toBe('br');
    expect(await asked.text()).toBe('1\n');
    const notAsked = await post('SELECT 1', '', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(notAsked.headers.get('content-encoding')).toBeNull();
    expect(await notAsked.text()).toBe('1\n');
  });

  it('inserts TSV, CSV, Values and parameterised inserts', async () => {
    const t = uniqueName('fmt');
    await post(`CREATE TABLE ${t} (id UInt32, s String) ENGINE = MergeTree ORDER BY id`);
    const insert = (fmt: string, body: string, extra = '') =>
      post(body, `query=${encodeURIComponent(`INSERT INTO ${t} FORMAT ${fmt}`)}${extra}`);
    expect((await insert('TSV', '1\ttab\\there\n')).status).toBe(200);
    expect((await insert('CSV', '2,"comma, ""quoted"""\n')).status).toBe(200);
    expect((await insert('Values', "(3, 'values')")).status).toBe(200);
    expect((await insert('TabSeparatedWithNames', 's\tid\nnamed\t4\n')).status).toBe(200);
    const withParam = await post(
      `INSERT INTO ${t} SELECT {id:UInt32}, {s:String}`,
      'param_id=5&param_s=p%5Cnq',
    );
    expect(withParam.status).toBe(200);
    const res = await post(`SELECT id, s FROM ${t} ORDER BY id FORMAT JSONEachRow`);
    expect(
      (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { id: 1, s: 'tab\there' },
      { id: 2, s: 'comma, "quoted"' },
      { id: 3, s: 'values' },
      { id: 4, s: 'named' },
      { id: 5, s: 'p\nq' },
    ]);
  });

  it('refuses bodies over the limit with 413, compressed or not', async () => {
    await expectError(
      await post(`SELECT '${'x'.repeat(2048)}'`, '', {}, small.url),
      413,
      229,
      'QUERY_IS_TOO_LARGE',
    );
    const bomb = gzipSync(Buffer.from(`SELECT '${'y'.repeat(100_000)}'`));
    expect(bomb.length).toBeLessThan(1024);
    const res = await post('', '', { body: bomb, headers: { 'Content-Encoding': 'gzip' } }, small.url);
    await expectError(res, 413, 229, 'QUERY_IS_TOO_LARGE');
    const fits = await post('SELECT 7', '', {}, small.url);
    expect(await fits.text()).toBe('7\n');
  });

  it('queues requests beyond the pool size instead of failing them', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post(`SELECT ${i}, sleep(0.2)`, '', {}, small.url).then((r) => r.text()),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 6 }, (_, i) => `${i}\t0\n`));
  });
});
