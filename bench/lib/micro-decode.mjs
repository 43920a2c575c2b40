// Micro-benchmark of the writer's per-message work without Kafka or ClickHouse: decode (JSON.parse +
// zod), rows, and the JSON text the client sends. `node bench/lib/micro-decode.mjs [spans]`.
import {
  decodeTraceMessage,
  encodeTraceMessages,
  nowNs,
  parseBatch,
} from '../../packages/schema/dist/index.js';
import { emptyRows, messageToRows } from '../../packages/storage/dist/index.js';
import { SpanGenerator } from './generator.mjs';

const n = Number(process.argv[2] ?? 100_000);
const gen = new SpanGenerator(43, Date.now());
const values = [];
for (let sent = 0; sent < n; sent += 100) {
  const batch = parseBatch(gen.batch(100).body, { maxItems: 10_000, retentionNs: 30n * 86_400_000_000_000n });
  for (const r of encodeTraceMessages(batch, { org_id: 'o', env: 'live' }, nowNs())) values.push(r.value);
}
for (let round = 0; round < 5; round++) {
  let t = performance.now();
  const decoded = values.map((v) => decodeTraceMessage(v));
  const tDecode = performance.now() - t;
  t = performance.now();
  const rows = emptyRows();
  for (const d of decoded) messageToRows(d.message, rows);
  const tRows = performance.now() - t;
  t = performance.now();
  let bytes = 0;
  for (const r of rows.spans_v1) bytes += JSON.stringify(r).length;
  const tJson = performance.now() - t;
  const us = (ms) => ((ms * 1000) / rows.spans_v1.length).toFixed(2);
  console.log(
    `round ${round}: ${rows.spans_v1.length} spans in ${values.length} messages; µs/span decode ${us(tDecode)}, rows ${us(tRows)}, json ${us(tJson)} (${(bytes / rows.spans_v1.length).toFixed(0)} B/span)`,
  );
}
