import { NotFoundError } from '@mesh-trace/errors';
import { apiKeys, type ClickHouseClient } from '@mesh-trace/storage';
import { type CreateKeyInput, createKey } from './bootstrap.js';

/** What the API and the CLI show of a key: never the hash, the secret only at creation. */
export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  org_id: string;
  env: 'live' | 'sandbox';
  scopes: string[];
  agent_id: string | null;
  /** null: the service default applies. */
  rate_limit_per_minute: number | null;
  created_at: string;
  revoked_at: string | null;
}

const iso = (ch: string | null) => (ch === null ? null : `${ch.replace(' ', 'T')}Z`);

export function toView(r: apiKeys.ApiKeyRecord): KeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    org_id: r.org_id,
    env: r.env,
    scopes: r.scopes,
    agent_id: r.agent_id || null,
    rate_limit_per_minute: r.rate_limit_per_minute || null,
    // Inserted as ISO strings; read back as ClickHouse DateTime64 text.
    created_at: r.created_at.includes('T') ? r.created_at : (iso(r.created_at) ?? ''),
    revoked_at: r.revoked_at === null ? null : r.revoked_at.includes('T') ? r.revoked_at : iso(r.revoked_at),
  };
}

/** Key management shared by the HTTP endpoints (query service) and the `mesh-trace keys` CLI. */
export class KeyService {
  constructor(private readonly ch: ClickHouseClient) {}

  async create(input: CreateKeyInput): Promise<KeyView & { key: string }> {
    const { key, record } = await createKey(this.ch, input);
    return { ...toView(record), key };
  }

  async list(orgId: string): Promise<KeyView[]> {
    return (await apiKeys.listByOrg(this.ch, orgId)).map(toView);
  }

  /** Revokes by writing a newer version of the row; replicas drop it from their caches within the TTL. */
  async revoke(orgId: string, id: string): Promise<KeyView> {
    const rec = await apiKeys.findById(this.ch, orgId, id);
    if (!rec) throw new NotFoundError('API key not found');
    if (rec.revoked_at !== null) return toView(rec);
    const revoked = {
      ...rec,
      created_at: toView(rec).created_at,
      revoked_at: new Date().toISOString(),
      version: String(BigInt(rec.version) + 1n),
    };
    await apiKeys.insert(this.ch, revoked);
    return toView(revoked);
  }

  /** A new secret with the same name, scopes, agent and limit; the old key is revoked. */
  async rotate(orgId: string, id: string): Promise<KeyView & { key: string; rotated_from: string }> {
    const rec = await apiKeys.findById(this.ch, orgId, id);
    if (!rec || rec.revoked_at !== null) throw new NotFoundError('API key not found');
    const created = await this.create({
      org_id: rec.org_id,
      env: rec.env,
      scopes: rec.scopes as CreateKeyInput['scopes'],
      name: rec.name,
      agent_id: rec.agent_id || undefined,
      rate_limit_per_minute: rec.rate_limit_per_minute || undefined,
    });
    await this.revoke(orgId, id);
    return { ...created, rotated_from: id };
  }
}
