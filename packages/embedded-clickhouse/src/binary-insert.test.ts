import { describe, expect, it } from 'vitest';
import {
  buildBinaryInsertSql,
  insertableColumnsSql,
  MAX_BINARY_INSERT_BYTES,
  parseColumnRows,
  selectColumns,
} from './binary-insert.js';
import { ClickHouseHttpError } from './errors.js';

const COLS = [
  { name: 'id', type: 'UInt64' },
  { name: 's', type: "Enum8('a' = 1)" },
];

describe('binary insert', () => {
  it('lists insertable columns of a table, in the current database unless named', () => {
    expect(insertableColumnsSql({ table: "t'" })).toContain(
      "database = currentDatabase() AND table = 't\\''",
    );
    expect(insertableColumnsSql({ database: 'db', table: 't' })).toContain("database = 'db'");
    expect(insertableColumnsSql({ table: 't' })).toContain("NOT IN ('MATERIALIZED', 'ALIAS')");
  });

  it('parses JSONCompactEachRow column rows', () => {
    expect(parseColumnRows('["id","UInt64"]\n["s","Enum8(\'a\' = 1)"]\n')).toEqual(COLS);
  });

  it('orders columns as the INSERT listed them and reports missing tables and columns', () => {
    expect(selectColumns({ table: 't' }, COLS, undefined)).toEqual(COLS);
    expect(selectColumns({ table: 't' }, COLS, ['s', 'id'])).toEqual([COLS[1], COLS[0]]);
    expect(() => selectColumns({ table: 't' }, [], undefined)).toThrow(/Table t does not exist/);
    try {
      selectColumns({ database: 'd', table: 't' }, COLS, ['nope']);
      expect.unreachable();
    } catch (err) {
      expect((err as ClickHouseHttpError).code).toBe(16);
    }
  });

  it('reads the payload through format() with the structure quoted', () => {
    const sql = buildBinaryInsertSql(
      { database: 'd', table: 't' },
      COLS,
      'RowBinary',
      Buffer.from([1, 0, 255]),
    );
    expect(sql).toBe(
      "INSERT INTO `d`.`t` (`id`, `s`) SELECT * FROM format(RowBinary, '`id` UInt64, `s` Enum8(\\'a\\' = 1)', unhex('0100ff'))",
    );
  });

  it('caps the payload size', () => {
    const big = { length: MAX_BINARY_INSERT_BYTES + 1 } as unknown as Buffer;
    expect(() => buildBinaryInsertSql({ table: 't' }, COLS, 'Native', big)).toThrow(ClickHouseHttpError);
  });
});
