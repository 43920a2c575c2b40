import type { Tenant } from '@mesh-trace/schema';
import type { Redis } from 'ioredis';

/**
 * Trace ids accepted at ingest, remembered for a while so that POST /v1/traces/:id/complete can
 * answer 404 correctly even while the trace's batch is still queued and not yet in ClickHouse.
 * The value is the owning agent ('' for none), for agent-bound keys.
 */
export interface AcceptedTraces {
  remember(tenant: Tenant, owners: Map<string, string>): Promise<void>;
  /** undefined: not known here (the caller then asks ClickHouse); else the owning agent or ''. */
  owner(tenant: Tenant, traceId: string): Promise<string | undefined>;
  /** Known owners of several trace ids at once; unknown ids are absent from the map. */
  owners(tenant: Tenant, traceIds: string[]): Promise<Map<string, string>>;
}

/** Keys per MGET. */
const MGET_KEYS = 5_000;

const keyOf = (t: Tenant, traceId: string) => `mt:accepted:${t.org_id}:${t.env}:${traceId}`;

export class RedisAcceptedTraces implements AcceptedTraces {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async remember(tenant: Tenant, owners: Map<string, string>): Promise<void> {
    if (owners.size === 0) return;
    const tx = this.redis.pipeline();
    for (const [traceId, agent] of owners) {
      // A batch of spans only ('' owner) must not erase the agent a trace record named earlier.
      if (agent) tx.set(keyOf(tenant, traceId), agent, 'EX', this.ttlSeconds);
      else tx.set(keyOf(tenant, traceId), '', 'EX', this.ttlSeconds, 'NX');
    }
    await tx.exec();
  }

  async owner(tenant: Tenant, traceId: string): Promise<string | undefined> {
    const v = await this.redis.get(keyOf(tenant, traceId));
    return v ?? undefined;
  }

  async owners(tenant: Tenant, traceIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (traceIds.length === 0) return out;
    // A live-publishing backlog can ask for tens of thousands of ids at once: several bounded MGETs
    // (pipelined) let Redis serve other clients, rate-limit checks among them, in between.
    const keys = traceIds.map((id) => keyOf(tenant, id));
    const parts: Promise<(string | null)[]>[] = [];
    for (let i = 0; i < keys.length; i += MGET_KEYS)
      parts.push(this.redis.mget(keys.slice(i, i + MGET_KEYS)));
    const values = (await Promise.all(parts)).flat();
    traceIds.forEach((id, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out.set(id, v);
    });
    return out;
  }
}

/** All-in-one: the same contract in process memory, bounded and expiring. */
export class MemoryAcceptedTraces implements AcceptedTraces {
  private readonly entries = new Map<string, { agent: string; expires: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries = 1_000_000,
  ) {}

  async remember(tenant: Tenant, owners: Map<string, string>): Promise<void> {
    const expires = Date.now() + this.ttlSeconds * 1000;
    for (const [traceId, agent] of owners) {
      const k = keyOf(tenant, traceId);
      const known = this.entries.get(k);
      if (!agent && known?.agent && known.expires >= Date.now()) continue;
      // Re-insert to move the key to the end: Map order then approximates least-recently accepted.
      this.entries.delete(k);
      this.entries.set(k, { agent, expires });
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  async owner(tenant: Tenant, traceId: string): Promise<string | undefined> {
    const e = this.entries.get(keyOf(tenant, traceId));
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      this.entries.delete(keyOf(tenant, traceId));
      return undefined;
    }
    return e.agent;
  }

  async owners(tenant: Tenant, traceIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of traceIds) {
      const owner = await this.owner(tenant, id);
      if (owner !== undefined) out.set(id, owner);
    }
    return out;
  }
}
