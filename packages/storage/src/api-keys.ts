import type { ClickHouseClient } from '@clickhouse/client';

export interface ApiKeyRecord {
  id: string;
  org_id: string;
  env: 'live' | 'sandbox';
  prefix: string;
  key_hash: string;
  name: string;
  scopes: string[];
  agent_id: string;
  rate_limit_per_minute: number;
  created_at: string;
  revoked_at: string | null;
  version: string;
}

const COLUMNS = `id, org_id, env, prefix, key_hash, name, scopes, agent_id, rate_limit_per_minute,
  toString(created_at) AS created_at, if(isNull(revoked_at), NULL, toString(revoked_at)) AS revoked_at, toString(version) AS version`;

export async function insert(ch: ClickHouseClient, rec: ApiKeyRecord): Promise<void> {
  await ch.insert({ table: 'api_keys_v1', values: [rec], format: 'JSONEachRow' });
}

export async function findByHash(ch: ClickHouseClient, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const rs = await ch.query({
    query: `SELECT ${COLUMNS} FROM api_keys_v1 FINAL WHERE key_hash = {h:String} ORDER BY isNull(revoked_at) DESC, version DESC LIMIT 1`,
    query_params: { h: keyHash },
    format: 'JSONEachRow',
  });
  return (await rs.json<ApiKeyRecord>())[0];
}

export async function listByOrg(ch: ClickHouseClient, orgId: string): Promise<ApiKeyRecord[]> {
  const rs = await ch.query({
    query: `SELECT ${COLUMNS} FROM api_keys_v1 FINAL WHERE org_id = {o:String} ORDER BY created_at, id`,
    query_params: { o: orgId },
    format: 'JSONEachRow',
  });
  return rs.json<ApiKeyRecord>();
}

export async function findById(
  ch: ClickHouseClient,
  orgId: string,
  id: string,
): Promise<ApiKeyRecord | undefined> {
  const rs = await ch.query({
    query: `SELECT ${COLUMNS} FROM api_keys_v1 FINAL WHERE org_id = {o:String} AND id = {id:String} LIMIT 1`,
    query_params: { o: orgId, id },
    format: 'JSONEachRow',
  });
  return (await rs.json<ApiKeyRecord>())[0];
}
