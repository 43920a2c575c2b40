import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedClickHouse } from './embedded-clickhouse.js';
import { makeTempDir, waitFor } from './test-support.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dirs: Array<{ remove(): void }> = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.remove();
});

function tempDir(prefix: string): string {
  const d = makeTempDir(prefix);
  dirs.push(d);
  return d.dir;
}

async function countRows(url: string, table: string): Promise<string | undefined> {
  const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  try {
    const rs = await client.query({ query: `SELECT count() AS c FROM ${table}`, format: 'JSONEachRow' });
    return (await rs.json<{ c: number }>())[0]?.c.toString();
  } finally {
    await client.close();
  }
}

async function seed(url: string, table: string): Promise<void> {
  const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  try {
    await client.command({
      query: `CREATE TABLE ${table} (id UInt32, s String) ENGINE = MergeTree ORDER BY id`,
    });
    await client.insert({
      table,
      values: [
        { id: 1, s: 'a' },
        { id: 2, s: 'b' },
      ],
      format: 'JSONEachRow',
    });
  } finally {
    await client.close();
  }
}

describe('restart and process model', () => {
  it('keeps data across a stop and a start on the same directory, in one process', async () => {
    const dir = tempDir('ch-restart');
    const first = await startEmbeddedClickHouse({ dataDir: dir });
    await seed(first.url, 'kept');
    await first.stop();
    expect(first.health()).toEqual({ ok: false });
    const second = await startEmbeddedClickHouse({ dataDir: dir });
    try {
      expect(await countRows(second.url, 'kept')).toBe('2');
    } finally {
      await second.stop();
    }
  });

  it('refuses a second data directory while one is served, and allows it after stop', async () => {
    const a = await startEmbeddedClickHouse({ dataDir: tempDir('ch-a') });
    const otherDir = tempDir('ch-b');
    await expect(startEmbeddedClickHouse({ dataDir: otherDir })).rejects.toThrow(
      /one data directory per process/,
    );
    await a.stop();
    const b = await startEmbeddedClickHouse({ dataDir: otherDir });
    try {
      expect((await fetch(`${b.url}/?query=SELECT%2042`)).status).toBe(200);
    } finally {
      await b.stop();
    }
  });

  it('runs as a CLI: listens, logs one JSON line, stops on SIGTERM with exit 0, and keeps its data', async () => {
    expect(existsSync(MAIN), `${MAIN} must be built (tsc -b) before the integration tests`).toBe(true);
    const dir = tempDir('ch-cli');
    const first = await startCli(dir);
    await seed(first.url, 'cli_kept');
    expect(await stopCli(first.child, 'SIGTERM')).toBe(0);
    const second = await startCli(dir);
    expect(await countRows(second.url, 'cli_kept')).toBe('2');
    expect(await stopCli(second.child, 'SIGINT')).toBe(0);
  });

  it('prints usage for --help and refuses unknown flags', async () => {
    const help = await runToEnd(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mesh-trace-clickhouse');
    const bad = await runToEnd(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bogus');
  });
});

async function startCli(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', dir, '--pool-size', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const line = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`CLI exited early with ${child.exitCode}: ${out}`);
      return out.split('\n').find((l) => l.includes('"clickhouse_listening"'));
    },
    30_000,
    'the clickhouse_listening line',
  );
  const event = JSON.parse(line) as { level: string; msg: string; url: string };
  expect(event.level).toBe('info');
  expect(event.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect((await fetch(`${event.url}/ping`)).status).toBe(200);
  return { child, url: event.url };
}

function stopCli(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

function runToEnd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
