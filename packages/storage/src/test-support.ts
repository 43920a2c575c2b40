import { readFileSync } from 'node:fs';

/** The dev stack's ClickHouse URL from `.stack/env`, for this package's integration tests. */
export function stackClickHouseUrl(): string {
  const file = new URL('../../../.stack/env', import.meta.url);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`dev stack not running: ${file.pathname} is missing (run deploy/stack/up.sh)`);
  }
  const line = text.split('\n').find((l) => l.startsWith('CLICKHOUSE_URL='));
  if (!line) throw new Error(`${file.pathname} has no CLICKHOUSE_URL line`);
  return line.slice('CLICKHOUSE_URL='.length).trim();
}
