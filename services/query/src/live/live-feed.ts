import type { LiveEntry, Tenant } from '@mesh-trace/schema';

export interface LiveListener {
  /** Entries appended after the subscription's position, oldest first. */
  entries(list: LiveEntry[]): void;
  /** The feed stopped: the connection should end (the client reconnects elsewhere). */
  closed(): void;
}

export interface LiveSubscription {
  /**
   * The feed delivers entries after this id. When it is ahead of the position the subscriber asked
   * for, the entries in between are read with range() — the feed already passed them.
   */
  since: string;
  close(): void;
}

/**
 * The agents' live streams as the query service reads them: a Redis stream per agent read by one
 * shared reader (split deployment), or the in-process feed ingest appends to (all-in-one).
 */
export interface LiveFeed {
  /** Whether the agent's stream holds anything within its retention. */
  exists(tenant: Tenant, agentId: string): Promise<boolean>;
  /** Id of the newest entry, '0-0' when there is none. */
  tail(tenant: Tenant, agentId: string): Promise<string>;
  /** Entries with afterId < id <= toId, oldest first, at most `count`. */
  range(tenant: Tenant, agentId: string, afterId: string, toId: string, count: number): Promise<LiveEntry[]>;
  subscribe(tenant: Tenant, agentId: string, fromId: string, listener: LiveListener): LiveSubscription;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean };
}

/** The id right after `id` in stream order: ranges are inclusive, our afterId is not. */
export function nextLiveId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}

/** A feed that stopped ends a new subscriber at once; the client reconnects to another replica. */
export function closedSubscription(listener: LiveListener, fromId: string): LiveSubscription {
  queueMicrotask(() => listener.closed());
  return { since: fromId, close: () => {} };
}
