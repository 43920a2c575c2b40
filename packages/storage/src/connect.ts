import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from './client.js';
import { migrate } from './migrate.js';

/** The ClickHouse variables every split service reads (packages/config SHARED_ENV). */
export interface ClickHouseEnv {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
  MESH_TRACE_RUN_MIGRATIONS: boolean;
  MESH_TRACE_RETENTION_DAYS: number;
}

/** A service's ClickHouse client, with the migrations applied first unless its config turns them off. */
export async function connectClickHouse(
  cfg: ClickHouseEnv,
  log?: { info(obj: object, msg: string): void },
): Promise<ClickHouseClient> {
  const ch = createClickHouse({
    url: cfg.CLICKHOUSE_URL,
    username: cfg.CLICKHOUSE_USER,
    password: cfg.CLICKHOUSE_PASSWORD,
  });
  if (cfg.MESH_TRACE_RUN_MIGRATIONS) await migrate(ch, { retentionDays: cfg.MESH_TRACE_RETENTION_DAYS, log });
  return ch;
}
