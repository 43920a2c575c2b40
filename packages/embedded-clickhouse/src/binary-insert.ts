import { ClickHouseHttpError, ErrorCode } from './errors.js';
import { quoteIdentifier, quoteStringLiteral } from './settings.js';

// chDB's raw insert takes text formats only, and SQL text cannot carry arbitrary bytes. A binary
// body (RowBinary, Native, Parquet, ...) is therefore handed to the engine as
// `INSERT INTO t (cols) SELECT * FROM format(Fmt, 'structure', unhex('...'))`: the engine's own
// reader decodes it, at the price of a hex copy twice the payload's size, so such inserts are capped.

/** Largest binary payload accepted; its hex form has to fit in one V8 string with room to spare. */
export const MAX_BINARY_INSERT_BYTES = 128 * 1024 * 1024;

export interface ColumnDef {
  name: string;
  type: string;
}

export interface InsertTarget {
  database?: string;
  table: string;
}

/** Lists the columns an INSERT without a column list fills, as JSONCompactEachRow `[name, type]` rows. */
export function insertableColumnsSql(target: InsertTarget): string {
  const db = target.database === undefined ? 'currentDatabase()' : quoteStringLiteral(target.database);
  return (
    'SELECT name, type FROM system.columns ' +
    `WHERE database = ${db} AND table = ${quoteStringLiteral(target.table)} ` +
    // MATERIALIZED and ALIAS columns are computed, never sent by a client.
    "AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position"
  );
}

export function parseColumnRows(text: string): ColumnDef[] {
  const out: ColumnDef[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const row: unknown = JSON.parse(line);
    if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string') {
      out.push({ name: row[0], type: row[1] });
    }
  }
  return out;
}

/** Orders the table's columns as the INSERT listed them, or keeps table order when it listed none. */
export function selectColumns(
  target: InsertTarget,
  available: readonly ColumnDef[],
  requested: readonly string[] | undefined,
): ColumnDef[] {
  const where = target.database === undefined ? target.table : `${target.database}.${target.table}`;
  if (available.length === 0) {
    throw new ClickHouseHttpError(ErrorCode.UNKNOWN_TABLE, `Table ${where} does not exist`);
  }
  if (requested === undefined) return [...available];
  return requested.map((name) => {
    const col = available.find((c) => c.name === name);
    if (!col) {
      throw new ClickHouseHttpError(
        ErrorCode.NO_SUCH_COLUMN_IN_TABLE,
        `No such column ${name} in table ${where}`,
      );
    }
    return col;
  });
}

export function buildBinaryInsertSql(
  target: InsertTarget,
  columns: readonly ColumnDef[],
  format: string,
  payload: Buffer,
): string {
  if (payload.length > MAX_BINARY_INSERT_BYTES) {
    throw new ClickHouseHttpError(
      ErrorCode.QUERY_IS_TOO_LARGE,
      `Binary ${format} insert of ${payload.length} bytes exceeds the embedded server's limit of ${MAX_BINARY_INSERT_BYTES} bytes; send text (JSONEachRow, TSV, CSV) or smaller batches`,
    );
  }
  const table =
    target.database === undefined
      ? quoteIdentifier(target.table)
      : `${quoteIdentifier(target.database)}.${quoteIdentifier(target.table)}`;
  const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const structure = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
  return (
    `INSERT INTO ${table} (${names}) SELECT * FROM ` +
    `format(${format}, ${quoteStringLiteral(structure)}, unhex('${payload.toString('hex')}'))`
  );
}
