// Just enough recognition of SQL text to route a request: is it an `INSERT ... FORMAT` whose rows
// are in the body, and which output format will a query answer in. Anything not recognised goes to
// the engine as text, which is always correct, only slower for inserts.

export interface InsertHead {
  database?: string;
  table: string;
  columns?: string[];
  format: string;
}

// Plain identifiers, or back/double-quoted ones made of the same characters. chDB's raw insert
// interpolates names unquoted after checking them against [A-Za-z0-9_], so nothing else qualifies.
const IDENT = '(?:[A-Za-z_][A-Za-z0-9_]*|`[A-Za-z0-9_]+`|"[A-Za-z0-9_]+")';
const INSERT_HEAD_RE = new RegExp(
  `^\\s*INSERT\\s+INTO\\s+(?:TABLE\\s+)?(${IDENT})(?:\\s*\\.\\s*(${IDENT}))?\\s*(?:\\(([^()]*)\\))?\\s*FORMAT\\s+([A-Za-z0-9_]+)\\s*;?\\s*$`,
  'i',
);
const COLUMN_RE = new RegExp(`^${IDENT}$`);

function unquote(name: string): string {
  const first = name[0];
  return first === '`' || first === '"' ? name.slice(1, -1) : name;
}

/**
 * Recognises the `INSERT INTO [db.]table [(a, b)] FORMAT Fmt` head that @clickhouse/client puts in
 * the `query` URL parameter. Returns undefined for anything richer (SETTINGS, `* EXCEPT`, expressions).
 */
export function parseInsertHead(sql: string): InsertHead | undefined {
  const m = INSERT_HEAD_RE.exec(sql);
  if (!m) return undefined;
  const [, first, second, cols, format] = m;
  if (first === undefined || format === undefined) return undefined;
  const head: InsertHead =
    second === undefined
      ? { table: unquote(first), format }
      : { database: unquote(first), table: unquote(second), format };
  if (cols !== undefined) {
    const names = cols.split(',').map((c) => c.trim());
    if (names.some((n) => !COLUMN_RE.test(n))) return undefined;
    head.columns = names.map(unquote);
  }
  return head;
}

/** Text formats chDB's raw insert takes as bytes, parsed by the engine. */
const RAW_TEXT_FORMATS = new Set([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
]);

/** Binary formats, which cannot travel inside SQL text and go through `format(..., unhex(...))`. */
const BINARY_FORMATS = new Set([
  'RowBinary',
  'RowBinaryWithNames',
  'RowBinaryWithNamesAndTypes',
  'Native',
  'Parquet',
  'Arrow',
  'ArrowStream',
  'ORC',
  'Avro',
  'MsgPack',
]);

export type InsertRoute = 'raw-text' | 'binary' | 'sql-text';

export function insertRoute(format: string): InsertRoute {
  if (RAW_TEXT_FORMATS.has(format)) return 'raw-text';
  if (BINARY_FORMATS.has(format)) return 'binary';
  return 'sql-text';
}

const OUTPUT_FORMAT_RE = /\bFORMAT\s+([A-Za-z0-9_]+)(?:\s+SETTINGS\b[^;]*)?\s*;?\s*$/i;
const NO_OUTPUT_RE =
  /^\s*(?:INSERT|CREATE|DROP|ALTER|TRUNCATE|RENAME|OPTIMIZE|SET|USE|GRANT|REVOKE|SYSTEM|ATTACH|DETACH|DELETE|UPDATE|KILL)\b/i;

/**
 * The format a query answers in, for the `X-ClickHouse-Format` header: its own `FORMAT` clause,
 * else the request's default. Undefined for statements that return no rows.
 */
export function detectOutputFormat(sql: string, defaultFormat: string): string | undefined {
  const text = stripLeadingComments(sql);
  if (NO_OUTPUT_RE.test(text)) return undefined;
  return OUTPUT_FORMAT_RE.exec(text)?.[1] ?? defaultFormat;
}

function stripLeadingComments(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith('--')) {
      const nl = trimmed.indexOf('\n');
      rest = nl === -1 ? '' : trimmed.slice(nl + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end === -1 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}
