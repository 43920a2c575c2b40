import { readFileSync } from 'node:fs';
import { createClient } from '@clickhouse/client';
import { splitStatements } from './dist/migrate.js';

const ch = createClient({ url: 'http://127.0.0.1:18123' });
const sql = readFileSync('migrations/004_trace_span_stats.sql', 'utf8').replaceAll(
  '{{RETENTION_DAYS}}',
  '30',
);
for (const s of splitStatements(sql)) {
  console.log(s.slice(0, 60));
  await ch.command({ query: s });
}
await ch.close();
