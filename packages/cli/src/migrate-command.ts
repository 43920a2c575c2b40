import { parseArgs } from 'node:util';
import { migrateAt } from '@mesh-trace/storage';
import { clickhouseTarget, retentionDays } from './options.js';

export const MIGRATE_HELP = `mesh-trace migrate — apply the ClickHouse migrations the services would apply at start, then exit

Usage:
  mesh-trace migrate [--clickhouse-url URL] [--retention-days N]

Options:
  --clickhouse-url URL  default: $CLICKHOUSE_URL or http://127.0.0.1:8123
                        (user and password from $CLICKHOUSE_USER / $CLICKHOUSE_PASSWORD)
  --retention-days N    row TTL of new tables (default: $MESH_TRACE_RETENTION_DAYS or 7)
  --help                show this help

Prints each migration applied as one JSON line. Safe to run while services run, and twice.
Use it before a rollout when a migration backfills a large table (docs/operations.md, Start-up).
For a cluster, use mesh-trace schema instead.
`;

export async function runMigrateCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'clickhouse-url': { type: 'string' },
      'retention-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const retention = retentionDays(values['retention-days']);
  if (values.help || retention === undefined) {
    out(MIGRATE_HELP);
    return values.help ? 0 : 2;
  }
  const applied = await migrateAt(clickhouseTarget(values['clickhouse-url']), {
    retentionDays: retention,
    log: { info: (obj, msg) => out(`${JSON.stringify({ msg, ...obj })}\n`) },
  });
  out(`${JSON.stringify({ msg: 'migrations_done', applied: applied.length })}\n`);
  return 0;
}
