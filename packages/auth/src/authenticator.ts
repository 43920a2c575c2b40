import { apiKeys, type ClickHouseClient } from '@mesh-trace/storage';
import { envOfKey, hashesEqual, hashKey, isWellFormedKey, type Scope } from './keys.js';

export interface AuthContext {
  key_id: string;
  org_id: string;
  env: 'live' | 'sandbox';
  scopes: Scope[];
  agent_id: string | undefined;
  rate_limit_per_minute: number;
}

export type KeyLookup = (keyHash: string) => Promise<apiKeys.ApiKeyRecord | undefined>;

interface CacheEntry {
  ctx: AuthContext | null;
  expires: number;
}

/**
 * Resolves API keys to their org, env and scopes. Results (hits and misses) are cached for
 * `cacheTtlMs` (default 2 s), which bounds how long a revoked key keeps working on any replica
 * well inside the 5 s the API promises, without a round trip to ClickHouse per request.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lookup: KeyLookup;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(opts: { ch?: ClickHouseClient; lookup?: KeyLookup; cacheTtlMs?: number; maxEntries?: number }) {
    const ch = opts.ch;
    this.lookup = opts.lookup ?? ((h) => (ch ? apiKeys.findByHash(ch, h) : Promise.resolve(undefined)));
    this.ttlMs = opts.cacheTtlMs ?? 2_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  async authenticate(key: string): Promise<AuthContext | null> {
    if (!isWellFormedKey(key)) return null;
    const hash = hashKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expires > now) return hit.ctx;
    const rec = await this.lookup(hash);
    const ctx =
      rec && rec.revoked_at === null && hashesEqual(rec.key_hash, hash) && rec.env === envOfKey(key)
        ? {
            key_id: rec.id,
            org_id: rec.org_id,
            env: rec.env,
            scopes: rec.scopes as Scope[],
            agent_id: rec.agent_id || undefined,
            rate_limit_per_minute: rec.rate_limit_per_minute,
          }
        : null;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(hash, { ctx, expires: now + this.ttlMs });
    return ctx;
  }

  /** Drops a cached key at once (used by revocation fan-out). */
  invalidate(keyHash: string): void {
    this.cache.delete(keyHash);
  }
}
