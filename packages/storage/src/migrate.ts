import { readdir, readFile } from 'node:fs/promises';
import type { ClickHouseClient } from '@clickhouse/client';

export interface MigrateOptions {
  retentionDays: number;
  /** Where the numbered .sql files live (defaults to the package's migrations/ folder). */
  dir?: URL;
  log?: { info(obj: object, msg: string): void };
}

const DEFAULT_DIR = new URL('../migrations/', import.meta.url);

/**
 * Applies numbered migrations that are not yet recorded, in order. Every statement is idempotent
 * (IF NOT EXISTS), so two services starting at once both succeed.
 */
export async function migrate(ch: ClickHouseClient, opts: MigrateOptions): Promise<string[]> {
  const dir = opts.dir ?? DEFAULT_DIR;
  await ch.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations_v1 (version UInt32, name String, applied_at DateTime DEFAULT now())
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const applied = new Set(
    (
      await (
        await ch.query({ query: 'SELECT version FROM schema_migrations_v1', format: 'JSONEachRow' })
      ).json<{ version: number }>()
    ).map((r) => Number(r.version)),
  );
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const done: string[] = [];
  for (const file of files) {
    const version = Number(file.split('_')[0]);
    if (applied.has(version)) continue;
    const sql = (await readFile(new URL(file, dir), 'utf8')).replaceAll(
      '{{RETENTION_DAYS}}',
      String(opts.retentionDays),
    );
    for (const statement of splitStatements(sql)) await ch.command({ query: statement });
    await ch.insert({
      table: 'schema_migrations_v1',
      values: [{ version, name: file }],
      format: 'JSONEachRow',
    });
    opts.log?.info({ version, file }, 'migration_applied');
    done.push(file);
  }
  return done;
}

/** Our migration files never put ';' inside literals, so a split on statement ends is exact. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter(Boolean);
}
