import type { ClickHouseClient } from '@clickhouse/client';
import type { TableRows } from './rows.js';

export interface InsertOptions {
  /**
   * Base of the deduplication token: the same base for a retried insert of the same rows (e.g.
   * `topic:partition:firstOffset-lastOffset`), so a retry after a crash stores nothing twice.
   */
  dedupToken?: string;
  signal?: AbortSignal;
}

/**
 * Span attribute values reach the insert as the message carries them; ClickHouse keeps a number,
 * boolean or array as its JSON text in a String (the defaults of recent ClickHouse versions, set here
 * so a server profile cannot turn them off).
 */
const ATTRIBUTE_TEXT = {
  input_format_json_read_numbers_as_strings: 1,
  input_format_json_read_bools_as_strings: 1,
  input_format_json_read_arrays_as_strings: 1,
  input_format_json_read_objects_as_strings: 1,
} as const;

export async function insertRows(
  ch: ClickHouseClient,
  rows: TableRows,
  opts: InsertOptions = {},
): Promise<number> {
  let written = 0;
  for (const [table, values] of Object.entries(rows) as [keyof TableRows, unknown[]][]) {
    if (values.length === 0) continue;
    await ch.insert({
      table,
      values,
      format: 'JSONEachRow',
      abort_signal: opts.signal,
      clickhouse_settings: {
        ...ATTRIBUTE_TEXT,
        ...(opts.dedupToken ? { insert_deduplication_token: `${opts.dedupToken}:${table}` } : {}),
      },
    });
    written += values.length;
  }
  return written;
}
