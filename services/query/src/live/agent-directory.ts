import type { Tenant } from '@mesh-trace/schema';
import type { ClickHouseClient } from '@mesh-trace/storage';
import type { LiveFeed } from './live-feed.js';

/**
 * Whether an agent has traces in an org/env (GET /v1/agents/:id/live answers 404 otherwise): its
 * live stream holds something, or a stored trace names it. Positive answers are cached: agents do
 * not lose their traces within a minute, and reconnect storms then cost no ClickHouse queries.
 */
export class AgentDirectory {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly feed: LiveFeed,
    private readonly ch: ClickHouseClient,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 100_000,
  ) {}

  async hasTraces(tenant: Tenant, agentId: string, signal?: AbortSignal): Promise<boolean> {
    const key = `${tenant.org_id}\n${tenant.env}\n${agentId}`;
    const until = this.known.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const found = (await this.feed.exists(tenant, agentId)) || (await this.stored(tenant, agentId, signal));
    if (found) {
      if (this.known.size >= this.maxEntries) this.known.clear();
      this.known.set(key, Date.now() + this.ttlMs);
    }
    return found;
  }

  private async stored(tenant: Tenant, agentId: string, signal?: AbortSignal): Promise<boolean> {
    const rs = await this.ch.query({
      query: `SELECT 1 AS found FROM traces_v1
              WHERE org_id = {org:String} AND env = {env:String} AND agent_id = {agent:String} LIMIT 1`,
      query_params: { org: tenant.org_id, env: tenant.env, agent: agentId },
      format: 'JSONEachRow',
      abort_signal: signal,
    });
    return (await rs.json()).length > 0;
  }
}
