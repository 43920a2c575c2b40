import { describe, expect, it } from 'vitest';
import { detectOutputFormat, insertRoute, parseInsertHead } from './query-shape.js';

describe('parseInsertHead', () => {
  it('reads the heads @clickhouse/client sends', () => {
    expect(parseInsertHead('INSERT INTO spans_v1 FORMAT JSONEachRow')).toEqual({
      table: 'spans_v1',
      format: 'JSONEachRow',
    });
    expect(parseInsertHead('INSERT INTO db.t (a, b) FORMAT JSONCompactEachRow')).toEqual({
      database: 'db',
      table: 't',
      columns: ['a', 'b'],
      format: 'JSONCompactEachRow',
    });
    expect(parseInsertHead('  insert into TABLE `t` (`a`,"b") format TSV\n')).toEqual({
      table: 't',
      columns: ['a', 'b'],
      format: 'TSV',
    });
  });

  it('declines anything richer, which then runs as SQL text', () => {
    expect(parseInsertHead('INSERT INTO t (* EXCEPT (a)) FORMAT JSONEachRow')).toBeUndefined();
    expect(parseInsertHead('INSERT INTO t SETTINGS async_insert=1 FORMAT JSONEachRow')).toBeUndefined();
    expect(parseInsertHead('INSERT INTO t SELECT 1')).toBeUndefined();
    expect(parseInsertHead('INSERT INTO `we-ird` FORMAT CSV')).toBeUndefined();
    expect(parseInsertHead('INSERT INTO t (a + 1) FORMAT CSV')).toBeUndefined();
    expect(parseInsertHead('SELECT 1 FORMAT JSON')).toBeUndefined();
  });
});

describe('insertRoute', () => {
  it('sends text formats to raw insert, binary ones through format(), the rest as SQL', () => {
    for (const f of ['JSONEachRow', 'JSONCompactEachRow', 'TSV', 'TabSeparated', 'CSV', 'CSVWithNames']) {
      expect(insertRoute(f)).toBe('raw-text');
    }
    for (const f of ['RowBinary', 'RowBinaryWithNamesAndTypes', 'Native', 'Parquet'])
      expect(insertRoute(f)).toBe('binary');
    for (const f of ['Values', 'JSONStringsEachRow', 'CustomSeparated'])
      expect(insertRoute(f)).toBe('sql-text');
  });
});

describe('detectOutputFormat', () => {
  it('prefers the FORMAT clause, else the default', () => {
    expect(detectOutputFormat('SELECT 1 \nFORMAT JSONEachRow', 'TabSeparated')).toBe('JSONEachRow');
    expect(detectOutputFormat('SELECT 1 FORMAT JSON SETTINGS max_threads = 1', 'TabSeparated')).toBe('JSON');
    expect(detectOutputFormat('SELECT 1;', 'TabSeparated')).toBe('TabSeparated');
    expect(detectOutputFormat('-- note\n/* c */ WITH 1 AS x SELECT x', 'CSV')).toBe('CSV');
  });

  it('is undefined for statements that return no rows', () => {
    expect(detectOutputFormat('CREATE TABLE t (a UInt8) ENGINE = Memory', 'TabSeparated')).toBeUndefined();
    expect(detectOutputFormat('INSERT INTO t FORMAT JSONEachRow', 'TabSeparated')).toBeUndefined();
    expect(detectOutputFormat('  -- c\n  drop table t', 'TabSeparated')).toBeUndefined();
  });
});
