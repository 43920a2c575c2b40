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
  const timeout = opts.requestTimeoutMs ?? 30_000;
  const long = timeout > 60_000;
  return createClient({
    url: opts.url,
    database: opts.database ?? 'default',
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: timeout,
    max_open_connections: opts.maxOpenConnections ?? 10,
    compression: { request: false, response: false },
    // Progress headers accumulate (one a minute): room for hours of them past Node's 16 KiB default.
    ...(long ? { max_response_headers_size: 1024 * 1024 } : {}),
    clickhouse_settings: {
      // 64-bit integers as JSON numbers would lose precision in JS; keep them as strings.
      output_format_json_quote_64bit_integers: 1,
      date_time_input_format: 'best_effort',
      // Synchronous inserts: the writer commits offsets only once rows are stored, and the
      // deduplication token applies to the insert itself (ClickHouse 26.2+ defaults to async).
      async_insert: 0,
      // Requests that may outlast a load balancer's idle timeout (migrations) keep the connection
      // busy with progress headers.
      ...(long ? { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '60000' } : {}),
    },
  });
}
