import { spawnSync } from 'node:child_process';
import { createClickHouse, readMigrations } from '@mesh-trace/storage';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, stackEnv } from './stack-env.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [`${REPO_ROOT}packages/cli/dist/main.js`, 'migrate', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CLICKHOUSE_URL: stackEnv().CLICKHOUSE_URL },
  });

describe('mesh-trace migrate', () => {
  it('brings the database to the latest migration, and a second run applies nothing', async () => {
    const first = cli();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/"msg":"migrations_done"/);
    const again = cli('--retention-days', '7');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('{"msg":"migrations_done","applied":0}');

    const ch = createClickHouse({ url: stackEnv().CLICKHOUSE_URL });
    try {
      const rs = await ch.query({
        query: 'SELECT DISTINCT version FROM schema_migrations_v1 ORDER BY version',
        format: 'JSONEachRow',
      });
      const recorded = (await rs.json<{ version: number }>()).map((r) => Number(r.version));
      expect(recorded).toEqual((await readMigrations(7)).map((m) => m.version));
    } finally {
      await ch.close();
    }
  });

  it('documents itself and refuses a bad retention', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--clickhouse-url URL/);
    const bad = cli('--retention-days', '0');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/Usage:/);
  });
});
