import { readFileSync } from 'node:fs';
import { formatClickHouseNs } from '@mesh-trace/schema';
import type { SpanRow } from './rows.js';

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

const MS = 1_000_000n;

/** A stored span of 5 ms starting at `at` (ns), env `live`, named after its id; for this package's tests. */
export function storedSpan(s: {
  org_id: string;
  trace_id: string;
  span_id: string;
  parent: string;
  service: string;
  at: bigint;
  status?: string;
  attributes?: Record<string, string>;
  resource?: Record<string, string>;
}): SpanRow {
  return {
    org_id: s.org_id,
    env: 'live',
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent,
    service: s.service,
    name: `op ${s.span_id}`,
    kind: 'internal',
    start_time: formatClickHouseNs(s.at),
    end_time: formatClickHouseNs(s.at + 5n * MS),
    duration_ns: (5n * MS).toString(),
    status: s.status ?? 'ok',
    status_message: '',
    attributes: s.attributes ?? {},
    resource: s.resource ?? {},
    events: '[]',
  };
}
