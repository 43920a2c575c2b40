import { readdir, readFile } from 'node:fs/promises';
import type { ClickHouseClient } from '@clickhouse/client';

export interface MigrateOptions {
  retentionDays: number;
  /** Where the numbered .sql files live (defaults to the package's migrations/ folder). */
  dir?: URL;
  log?: { info(obj: object, msg: string): void };
}

const DEFAULT_DIR = new URL('../migrations/', import.meta.url);

/** The runner's bookkeeping: one row per applied migration. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations_v1 (version UInt32, name String, applied_at DateTime DEFAULT now())
ENGINE = ReplacingMergeTree ORDER BY version`;

/**
 * Applies numbered migrations that are not yet recorded, in order. Every statement is idempotent
 * (IF NOT EXISTS), so two services starting at once both succeed.
 */
export async function migrate(ch: ClickHouseClient, opts: MigrateOptions): Promise<string[]> {
  await ch.command({ query: MIGRATIONS_TABLE });
  const applied = new Set(
    (
      await (
        await ch.query({ query: 'SELECT version FROM schema_migrations_v1', format: 'JSONEachRow' })
      ).json<{ version: number }>()
    ).map((r) => Number(r.version)),
  );
  const done: string[] = [];
  for (const { version, file, statements } of await readMigrations(opts.retentionDays, opts.dir)) {
    if (applied.has(version)) continue;
    for (const statement of statements) await ch.command({ query: statement });
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

export interface Migration {
  version: number;
  file: string;
  /** The file's statements, with the retention period filled in. */
  statements: string[];
}

/** The numbered migrations of `dir`, in order: what `migrate` applies, and what the cluster schema derives from. */
export async function readMigrations(retentionDays: number, dir: URL = DEFAULT_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.split('_')[0]),
      file,
      statements: splitStatements(
        (await readFile(new URL(file, dir), 'utf8')).replaceAll('{{RETENTION_DAYS}}', String(retentionDays)),
      ),
    })),
  );
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
