import { spawnSync } from 'node:child_process';
import { type ClickHouseClient, clusterSchema, createClickHouse, readMigrations } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, stackEnv } from './stack-env.js';

const createdTable = (s: string) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1];

// The cluster schema is generated from the single-node migrations (mesh-trace schema). No cluster or
// Keeper runs here, so it is checked with ClickHouse's own parser (formatQuery) and for the shape a
// cluster needs; it has not run on a real cluster.
describe('cluster schema (ON CLUSTER, Replicated*, Distributed) from the migrations', () => {
  let ch: ClickHouseClient;
  let single: string[];
  let mergeTreeTables: string[];

  beforeAll(async () => {
    ch = createClickHouse({ url: stackEnv().CLICKHOUSE_URL });
    single = (await readMigrations(7)).flatMap((m) => m.statements);
    mergeTreeTables = single.filter((s) => /ENGINE = \w*MergeTree/.test(s)).map((s) => createdTable(s) ?? '');
  });
  afterAll(async () => {
    await ch?.close();
  });

  for (const sharded of [false, true]) {
    describe(sharded ? 'sharded' : 'one shard, replicated', () => {
      let schema: string[];
      beforeAll(async () => {
        schema = await clusterSchema({ cluster: 'mesh', retentionDays: 7, sharded });
      });

      it('parses, statement by statement, in the ClickHouse engine', async () => {
        for (const q of schema) {
          const rs = await ch.query({
            query: 'SELECT formatQuery({q:String}) AS f',
            query_params: { q },
            format: 'JSONEachRow',
          });
          expect(((await rs.json()) as { f: string }[])[0]?.f, q).toMatch(/\S/);
        }
      });

      it('puts every DDL statement ON CLUSTER and every MergeTree table on a Replicated engine', () => {
        for (const s of schema.filter((q) => /^(CREATE|ALTER|DROP)/.test(q)))
          expect(s).toMatch(/ON CLUSTER 'mesh'/);
        for (const s of schema.filter((q) => /ENGINE = \w*MergeTree/.test(q)))
          expect(s).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/(\{shard\}|all)\//);
        expect(schema.join('\n')).not.toMatch(/non_replicated_deduplication_window/);
        expect(schema.filter((s) => /replicated_deduplication_window/.test(s)).length).toBe(
          single.filter((s) => /non_replicated_deduplication_window/.test(s)).length,
        );
      });

      it('creates every table of the single-node schema under the name the services use', () => {
        const names = new Set(schema.map(createdTable).filter(Boolean));
        for (const s of single) {
          const t = createdTable(s);
          if (t) expect(names, t).toContain(t);
        }
      });

      it('records every migration as applied', async () => {
        const versions = (await readMigrations(7)).map((m) => m.version);
        const recorded = schema
          .map((s) => /^INSERT INTO schema_migrations_v1 .* VALUES \((\d+),/.exec(s)?.[1])
          .filter(Boolean)
          .map(Number);
        expect(recorded).toEqual(versions);
      });

      if (sharded)
        it('shards every MergeTree table behind a Distributed table, views on the local tables', () => {
          for (const t of mergeTreeTables) {
            const dist = schema.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${t} `));
            expect(dist, t).toMatch(
              new RegExp(
                `AS ${t}_local\\nENGINE = Distributed\\('mesh', currentDatabase\\(\\), ${t}_local, `,
              ),
            );
            if (/\btrace_id String\b/.test(single.find((s) => createdTable(s) === t) ?? ''))
              expect(dist, t).toMatch(/cityHash64\(trace_id\)\)$/);
          }
          for (const mv of schema.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))) {
            const to = /TO (\w+)/.exec(mv)?.[1] ?? '';
            const from = /FROM (\w+)/.exec(mv)?.[1] ?? '';
            for (const t of [to, from])
              expect(t.endsWith('_local') || !mergeTreeTables.includes(t), `${mv.slice(0, 80)}: ${t}`).toBe(
                true,
              );
          }
        });
    });
  }

  it('is what `mesh-trace schema` prints', async () => {
    const run = spawnSync(
      process.execPath,
      [
        `${REPO_ROOT}packages/cli/dist/main.js`,
        'schema',
        '--cluster',
        'mesh',
        '--sharded',
        '--retention-days',
        '7',
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const expected = await clusterSchema({ cluster: 'mesh', retentionDays: 7, sharded: true });
    expect(run.stdout).toContain(expected.map((s) => `${s};\n`).join('\n'));
    const bad = spawnSync(process.execPath, [`${REPO_ROOT}packages/cli/dist/main.js`, 'schema'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/--cluster NAME/);
  });
});
