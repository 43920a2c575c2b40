import { randomUUID } from 'node:crypto';
import { apiKeys, type ClickHouseClient } from '@mesh-trace/storage';
import { envOfKey, generateKey, hashKey, isWellFormedKey, keyPrefix, SCOPES, type Scope } from './keys.js';

export interface CreateKeyInput {
  org_id: string;
  env: 'live' | 'sandbox';
  scopes: Scope[];
  name?: string;
  agent_id?: string;
  rate_limit_per_minute?: number;
}

function record(key: string, input: CreateKeyInput): apiKeys.ApiKeyRecord {
  const now = new Date();
  return {
    id: `key_${randomUUID().replaceAll('-', '')}`,
    org_id: input.org_id,
    env: input.env,
    prefix: keyPrefix(key),
    key_hash: hashKey(key),
    name: input.name ?? '',
    scopes: [...input.scopes],
    agent_id: input.agent_id ?? '',
    // 0: the service default applies (MESH_TRACE_RATE_LIMIT_PER_MINUTE).
    rate_limit_per_minute: input.rate_limit_per_minute ?? 0,
    created_at: now.toISOString(),
    revoked_at: null,
    version: String(now.getTime()),
  };
}

/** Creates a key and returns its secret (shown once) with the stored record. */
export async function createKey(
  ch: ClickHouseClient,
  input: CreateKeyInput,
): Promise<{ key: string; record: apiKeys.ApiKeyRecord }> {
  const key = generateKey(input.env);
  const rec = record(key, input);
  await apiKeys.insert(ch, rec);
  return { key, record: rec };
}

/**
 * `MESH_TRACE_BOOTSTRAP_KEY`: makes sure this exact key exists with every scope for org `default`,
 * so automation can start a fresh stack and use the key at once. Idempotent.
 */
export async function ensureKey(ch: ClickHouseClient, key: string, name = 'bootstrap'): Promise<boolean> {
  if (!isWellFormedKey(key))
    throw new Error('bootstrap key must look like mtk_live_… or mtk_test_… (20+ base62 chars)');
  const existing = await apiKeys.findByHash(ch, hashKey(key));
  if (existing && existing.revoked_at === null) return false;
  // A deterministic id makes a re-run (or re-enabling a revoked bootstrap key) replace the same row.
  const rec = record(key, { org_id: 'default', env: envOfKey(key), scopes: [...SCOPES], name });
  await apiKeys.insert(ch, { ...rec, id: `key_${rec.key_hash.slice(0, 32)}` });
  return true;
}
