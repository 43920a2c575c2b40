import type { ClickHouseClient } from '@clickhouse/client';

export interface IntentKey {
  group_id: string;
  topic: string;
  partition: number;
}

export async function recordIntent(
  ch: ClickHouseClient,
  key: IntentKey,
  first: string,
  last: string,
): Promise<void> {
  await ch.insert({
    table: 'writer_intents_v1',
    values: [{ ...key, first_offset: first, last_offset: last }],
    format: 'JSONEachRow',
  });
}

/** The last offset a previous writer meant to insert starting at `first`, if any. */
export async function findIntent(
  ch: ClickHouseClient,
  key: IntentKey,
  first: string,
): Promise<string | undefined> {
  const rs = await ch.query({
    query: `SELECT toString(last_offset) AS last FROM writer_intents_v1
             WHERE group_id = {g:String} AND topic = {t:String} AND partition = {p:UInt32} AND first_offset = {f:UInt64}
             ORDER BY recorded_at DESC LIMIT 1`,
    query_params: { g: key.group_id, t: key.topic, p: key.partition, f: first },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ last: string }>())[0]?.last;
}
