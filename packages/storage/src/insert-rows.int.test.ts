import { randomBytes } from 'node:crypto';
import type { TraceMessage } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseClient, createClickHouse } from './client.js';
import { insertRows } from './insert.js';
import { migrate } from './migrate.js';
import { emptyRows, messageToRows, stringifyAttributes } from './rows.js';
import { stackClickHouseUrl } from './test-support.js';

// Span attributes go to ClickHouse as the message carries them (no per-span copy into strings): what
// is stored must be exactly the text stringifyAttributes gives, for every kind of value.
describe('insertRows: span attribute values', () => {
  let ch: ClickHouseClient;
  const org = `org_attrs_${randomBytes(4).toString('hex')}`;
  const attributes = {
    s: 'text "quoted" \\ ünï',
    empty: '',
    int: 200,
    neg: -7,
    float: 1.5,
    tiny: 1e-7,
    huge: 1e21,
    t: true,
    f: false,
    list: [1, 'y', false, 2.25],
    none: [],
  };
  const resource = { 'service.name': 'api', 'k8s.cluster.name': 'eu-1', replicas: 3 };

  beforeAll(async () => {
    ch = createClickHouse({ url: stackClickHouseUrl() });
    await migrate(ch, { retentionDays: 30 });
  });
  afterAll(async () => {
    await ch?.close();
  });

  it('stores each value as its JSON text, as stringifyAttributes would', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const message = {
      v: 1,
      org_id: org,
      env: 'live',
      trace_id: 'c'.repeat(32),
      received_at: now.toString(),
      traces: [],
      spans: [
        {
          span_id: 'd'.repeat(16),
          name: 'op',
          service: 'api',
          kind: 'internal',
          start_time: now.toString(),
          end_time: (now + 1_000_000n).toString(),
          status: 'ok',
          attributes,
          resource,
          events: [],
        },
      ],
      events: [],
    } as unknown as TraceMessage;
    const rows = emptyRows();
    messageToRows(message, rows);
    await insertRows(ch, rows);
    const rs = await ch.query({
      query: 'SELECT attributes, resource, duration_ns FROM spans_v1 WHERE org_id = {org:String}',
      query_params: { org },
      format: 'JSONEachRow',
    });
    const [stored] = await rs.json<{
      attributes: Record<string, string>;
      resource: Record<string, string>;
      duration_ns: string;
    }>();
    expect(stored?.attributes).toEqual(stringifyAttributes(attributes));
    expect(stored?.resource).toEqual(stringifyAttributes(resource));
    expect(stored?.duration_ns).toBe('1000000');
  });
});
