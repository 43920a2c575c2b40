import type { ClickHouseClient } from '@clickhouse/client';

/** Runs a parameterised query (values only as `{name:Type}` parameters) and returns its rows. */
export async function queryRows<T>(
  ch: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<T[]> {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: signal });
  return rs.json<T>();
}
