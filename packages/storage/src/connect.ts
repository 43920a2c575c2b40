import type { ClickHouseClient } from '@clickhouse/client';
import { type ClickHouseOptions, createClickHouse } from './client.js';
import { type MigrateOptions, migrate } from './migrate.js';

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
  const opts = { url: cfg.CLICKHOUSE_URL, username: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD };
  if (cfg.MESH_TRACE_RUN_MIGRATIONS)
    await migrateAt(opts, { retentionDays: cfg.MESH_TRACE_RETENTION_DAYS, log });
  return createClickHouse(opts);
}

/**
 * A migration may backfill a new table from every stored span (009 does), which takes far longer
 * than a query: it runs on its own connection whose requests may last an hour.
 */
export const MIGRATION_REQUEST_TIMEOUT_MS = 3_600_000;

/** Applies the migrations over a connection of its own, closed afterwards. */
export async function migrateAt(target: ClickHouseOptions, opts: MigrateOptions): Promise<string[]> {
  const ch = createClickHouse({
    ...target,
    requestTimeoutMs: MIGRATION_REQUEST_TIMEOUT_MS,
    maxOpenConnections: 1,
  });
  try {
    return await migrate(ch, opts);
  } finally {
    await ch.close();
  }
}
