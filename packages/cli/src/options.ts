/** Options several commands share, read the same way by each. */

const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:8123';

/** The ClickHouse a command talks to: --clickhouse-url or $CLICKHOUSE_URL, with the services' credentials. */
export function clickhouseTarget(url: string | undefined): {
  url: string;
  username: string;
  password: string;
} {
  return {
    url: url ?? process.env.CLICKHOUSE_URL ?? DEFAULT_CLICKHOUSE_URL,
    username: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
  };
}

/** --retention-days, else $MESH_TRACE_RETENTION_DAYS, else 7; undefined when not a whole number ≥ 1. */
export function retentionDays(flag: string | undefined): number | undefined {
  const days = Number(flag ?? process.env.MESH_TRACE_RETENTION_DAYS ?? 7);
  return Number.isInteger(days) && days >= 1 ? days : undefined;
}
