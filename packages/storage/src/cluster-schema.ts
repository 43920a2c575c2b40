import { MIGRATIONS_TABLE, readMigrations } from './migrate.js';

export interface ClusterSchemaOptions {
  /** The cluster name of `remote_servers` (ON CLUSTER, Distributed). */
  cluster: string;
  retentionDays: number;
  /**
   * Also shard: every MergeTree table becomes `<name>_local` (replicated) plus a Distributed table
   * under the original name, so services read and write the names they always use. Without it:
   * one shard, every replica holds everything.
   */
  sharded?: boolean;
  /** Where the numbered migrations live (defaults to this package's). */
  dir?: URL;
}

const ZK_PATH = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`;
/** Every replica of every shard shares the runner's bookkeeping. */
const ZK_PATH_ALL_SHARDS = `'/clickhouse/tables/all/{database}/{table}', '{replica}'`;

const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

interface TableInfo {
  name: string;
  mergeTree: boolean;
  /** The sharding key of its Distributed table. */
  shardKey: string;
}

/** Tables created by a statement, with their engine family and a sharding key. */
function tableOf(statement: string): TableInfo | undefined {
  const m = /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(statement);
  if (!m?.[1]) return undefined;
  const mergeTree = /ENGINE = \w*MergeTree/.test(statement);
  // A trace's rows stay on one shard (trace reads hit one shard's granules; ReplacingMergeTree
  // versions of a trace record meet for FINAL). Other tables: by their sort key, for the same reason.
  const orderBy = /ORDER BY \(?([^)\n]*)\)?/.exec(statement)?.[1]?.trim();
  const shardKey = /\btrace_id String\b/.test(statement)
    ? 'cityHash64(trace_id)'
    : orderBy
      ? `cityHash64(${orderBy})`
      : 'rand()';
  return { name: m[1], mergeTree, shardKey };
}

/**
 * The schema for a ClickHouse cluster, derived from the same numbered migrations that `migrate`
 * applies on one node (so the two cannot drift): ON CLUSTER on every DDL statement, the Replicated
 * variant of every MergeTree engine, the replicated deduplication window for the writer's tokens,
 * and, when sharded, `<name>_local` tables behind Distributed tables of the original names with the
 * materialized views reading and writing the local tables. Null tables (the writer's edge input) stay
 * per node. Backfill INSERTs are kept as they are: run once, replication copies the rows. The
 * runner's `schema_migrations_v1` is created and filled, so a service that still runs migrations sees
 * every version applied (run the services with MESH_TRACE_RUN_MIGRATIONS=false on a cluster anyway).
 */
export async function clusterSchema(opts: ClusterSchemaOptions): Promise<string[]> {
  const on = `ON CLUSTER ${quote(opts.cluster)}`;
  const migrations = await readMigrations(opts.retentionDays, opts.dir);
  const tables = new Map<string, TableInfo>();
  for (const m of migrations)
    for (const s of m.statements) {
      const t = tableOf(s);
      if (t) tables.set(t.name, t);
    }
  const sharded = new Set(
    opts.sharded ? [...tables.values()].filter((t) => t.mergeTree).map((t) => t.name) : [],
  );
  const local = (name: string) => (sharded.has(name) ? `${name}_local` : name);
  /** In a view, every sharded table named is its local table: views fire on the shard's own inserts. */
  const localNames = (sql: string) =>
    sharded.size ? sql.replace(new RegExp(`\\b(${[...sharded].join('|')})\\b`, 'g'), '$1_local') : sql;
  const replicated = (sql: string, path = ZK_PATH) =>
    sql
      .replace(
        /ENGINE = (\w*MergeTree)(?:\(([^)]*)\))?/,
        (_m, engine: string, inner?: string) =>
          `ENGINE = Replicated${engine}(${[path, inner].filter(Boolean).join(', ')})`,
      )
      .replaceAll('non_replicated_deduplication_window', 'replicated_deduplication_window');

  const out: string[] = [
    replicated(MIGRATIONS_TABLE.replace(/^(CREATE TABLE IF NOT EXISTS \w+)/, `$1 ${on}`), ZK_PATH_ALL_SHARDS),
  ];
  for (const m of migrations) {
    for (const s of m.statements) {
      const table = tableOf(s);
      if (table) {
        out.push(
          replicated(
            s.replace(
              /^CREATE TABLE IF NOT EXISTS \w+/,
              `CREATE TABLE IF NOT EXISTS ${local(table.name)} ${on}`,
            ),
          ),
        );
        if (sharded.has(table.name))
          out.push(
            `CREATE TABLE IF NOT EXISTS ${table.name} ${on} AS ${local(table.name)}\n` +
              `ENGINE = Distributed(${quote(opts.cluster)}, currentDatabase(), ${local(table.name)}, ${table.shardKey})`,
          );
      } else if (/^CREATE MATERIALIZED VIEW/.test(s)) {
        out.push(localNames(s).replace(/^(CREATE MATERIALIZED VIEW IF NOT EXISTS \w+)/, `$1 ${on}`));
      } else if (/^DROP VIEW IF EXISTS \w+$/.test(s)) {
        out.push(`${s} ${on}`);
      } else if (/^ALTER TABLE/.test(s)) {
        out.push(s.replace(/^ALTER TABLE (\w+)/, (_m, name: string) => `ALTER TABLE ${local(name)} ${on}`));
      } else {
        out.push(s);
      }
    }
    out.push(`INSERT INTO schema_migrations_v1 (version, name) VALUES (${m.version}, ${quote(m.file)})`);
  }
  return out;
}
