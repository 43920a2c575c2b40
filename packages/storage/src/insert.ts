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
      clickhouse_settings: opts.dedupToken
        ? { insert_deduplication_token: `${opts.dedupToken}:${table}` }
        : {},
    });
    written += values.length;
  }
  return written;
}
