import { describe, expect, it } from 'vitest';
import { ClickHouseHttpError } from './errors.js';
import { classifyParam, isValidSettingName, parseRequestParams } from './url-params.js';

describe('classifyParam', () => {
  it('separates control parameters, query parameters and settings', () => {
    for (const name of [
      'query',
      'query_id',
      'database',
      'default_format',
      'session_id',
      'user',
      'password',
    ]) {
      expect(classifyParam(name)).toBe('control');
    }
    for (const name of ['compress', 'decompress', 'enable_http_compression', 'role', 'wait_end_of_query']) {
      expect(classifyParam(name)).toBe('control');
    }
    expect(classifyParam('param_trace_id')).toBe('param');
    expect(classifyParam('max_threads')).toBe('setting');
    expect(classifyParam('insert_deduplication_token')).toBe('setting');
  });
});

describe('isValidSettingName', () => {
  it('accepts only [A-Za-z0-9_]+', () => {
    expect(isValidSettingName('max_threads')).toBe(true);
    expect(isValidSettingName('A1_b')).toBe(true);
    for (const bad of ['', 'a-b', 'a b', 'a;b', "a'", 'é', 'a.b'])
      expect(isValidSettingName(bad)).toBe(false);
  });
});

describe('parseRequestParams', () => {
  it('collects control values, params verbatim and settings', () => {
    const p = parseRequestParams([
      ['query', 'SELECT 1'],
      ['query_id', 'q1'],
      ['database', 'db'],
      ['default_format', 'JSON'],
      ['enable_http_compression', '1'],
      ['param_s', "it\\'s"],
      ['max_threads', '1'],
      ['user', 'ignored'],
      ['password', 'ignored'],
    ]);
    expect(p.query).toBe('SELECT 1');
    expect(p.queryId).toBe('q1');
    expect(p.database).toBe('db');
    expect(p.defaultFormat).toBe('JSON');
    expect(p.enableHttpCompression).toBe(true);
    expect(p.nativeCompression).toBe(false);
    expect([...p.params]).toEqual([['s', "it\\'s"]]);
    expect([...p.settings]).toEqual([['max_threads', '1']]);
  });

  it('treats empty control values as absent and reads booleans explicitly', () => {
    const p = parseRequestParams([
      ['query_id', ''],
      ['database', ''],
      ['enable_http_compression', '0'],
      ['compress', 'false'],
    ]);
    expect(p.queryId).toBeUndefined();
    expect(p.database).toBeUndefined();
    expect(p.enableHttpCompression).toBe(false);
    expect(p.nativeCompression).toBe(false);
    expect(parseRequestParams([['decompress', 'true']]).nativeCompression).toBe(true);
  });

  it('refuses names that could not be used safely in SET', () => {
    expect(() => parseRequestParams([['max-threads', '1']])).toThrow(ClickHouseHttpError);
    expect(() => parseRequestParams([["param_a'b", '1']])).toThrow(/Invalid query parameter name/);
    const caught = (() => {
      try {
        parseRequestParams([['a;b', '1']]);
      } catch (err) {
        return err;
      }
    })();
    expect(caught).toMatchObject({ code: 36, type: 'BAD_ARGUMENTS' });
  });
});
