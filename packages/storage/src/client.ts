import { type ClickHouseClient, createClient } from '@clickhouse/client';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database?: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  maxOpenConnections?: number;
}

export function createClickHouse(opts: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: opts.url,
    database: opts.database ?? 'default',
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    max_open_connections: opts.maxOpenConnections ?? 10,
    compression: { request: false, response: false },
    clickhouse_settings: {
      // 64-bit integers as JSON numbers would lose precision in JS; keep them as strings.
      output_format_json_quote_64bit_integers: 1,
      date_time_input_format: 'best_effort',
      // Synchronous inserts: the writer commits offsets only once rows are stored, and the
      // deduplication token applies to the insert itself (ClickHouse 26.2+ defaults to async).
      async_insert: 0,
    },
  });
}
