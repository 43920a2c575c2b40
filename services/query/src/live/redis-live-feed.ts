import type { Logger } from '@mesh-trace/config';
import {
  compareLiveIds,
  LIVE_EVENT_TYPES,
  type LiveEntry,
  type LiveEventType,
  liveStreamKey,
  type Tenant,
} from '@mesh-trace/schema';
import type { Redis } from 'ioredis';
import {
  closedSubscription,
  type LiveFeed,
  type LiveListener,
  type LiveSubscription,
  nextLiveId,
} from './live-feed.js';

type RawEntry = [id: string, fields: string[]];

interface KeyState {
  /** The reader asks Redis for entries after this id. */
  lastId: string;
  listeners: Set<LiveListener>;
}

const TYPES = new Set<string>(LIVE_EVENT_TYPES);

function toEntries(raw: RawEntry[]): LiveEntry[] {
  const out: LiveEntry[] = [];
  for (const [id, fields] of raw) {
    let type: string | undefined;
    let data: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 't') type = fields[i + 1];
      else if (fields[i] === 'd') data = fields[i + 1];
    }
    if (type && TYPES.has(type) && data !== undefined) out.push({ id, type: type as LiveEventType, data });
  }
  return out;
}

/**
 * One blocking Redis connection per query replica reads every subscribed agent's stream with a single
 * XREAD BLOCK over the set of active keys, and fans entries out to the connections in process. When
 * the set changes, CLIENT UNBLOCK (sent on the ordinary connection) ends the pending XREAD so it is
 * re-issued with the new set at once. A thousand clients cost one Redis connection, not a thousand.
 */
export class RedisLiveFeed implements LiveFeed {
  private readonly keys = new Map<string, KeyState>();
  private blocking: Redis | undefined;
  private blockingId: string | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private dirty = false;
  private wake: (() => void) | undefined;
  private unblockTimer: NodeJS.Timeout | undefined;
  private healthy = true;

  constructor(
    private readonly opts: {
      redis: Redis;
      logger: Logger;
      /** Upper bound of one XREAD BLOCK; also how often an idle reader re-checks Redis. */
      blockMs?: number;
      /** Entries per stream per XREAD. */
      count?: number;
    },
  ) {}

  async start(): Promise<void> {
    const blocking = this.opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.blocking = blocking;
    blocking.on('error', (err: Error) =>
      this.opts.logger.warn({ err: err.message }, 'live_reader_redis_error'),
    );
    // A reconnect gets a new client id; CLIENT UNBLOCK must name the current one.
    blocking.on('ready', () => {
      blocking.client('ID').then(
        (id) => {
          this.blockingId = String(id);
        },
        () => {},
      );
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.unblockTimer);
    this.wake?.();
    for (const state of this.keys.values()) for (const l of state.listeners) l.closed();
    this.keys.clear();
    this.blocking?.disconnect();
    await this.loop;
  }

  health(): { ok: boolean } {
    return { ok: this.healthy && !this.stopped };
  }

  async exists(tenant: Tenant, agentId: string): Promise<boolean> {
    return (await this.opts.redis.exists(liveStreamKey(tenant, agentId))) > 0;
  }

  async tail(tenant: Tenant, agentId: string): Promise<string> {
    const raw = (await this.opts.redis.xrevrange(
      liveStreamKey(tenant, agentId),
      '+',
      '-',
      'COUNT',
      1,
    )) as RawEntry[];
    return raw[0]?.[0] ?? '0-0';
  }

  async range(
    tenant: Tenant,
    agentId: string,
    afterId: string,
    toId: string,
    count: number,
  ): Promise<LiveEntry[]> {
    const raw = (await this.opts.redis.xrange(
      liveStreamKey(tenant, agentId),
      nextLiveId(afterId),
      toId,
      'COUNT',
      count,
    )) as RawEntry[];
    return toEntries(raw);
  }

  subscribe(tenant: Tenant, agentId: string, fromId: string, listener: LiveListener): LiveSubscription {
    if (this.stopped) return closedSubscription(listener, fromId);
    const key = liveStreamKey(tenant, agentId);
    let state = this.keys.get(key);
    if (!state) {
      state = { lastId: fromId, listeners: new Set() };
      this.keys.set(key, state);
      this.changed();
    }
    state.listeners.add(listener);
    const since = state.lastId;
    return {
      since,
      close: () => {
        const s = this.keys.get(key);
        if (!s) return;
        s.listeners.delete(listener);
        // The key leaves the next XREAD; no need to interrupt the current one for that.
        if (s.listeners.size === 0) this.keys.delete(key);
      },
    };
  }

  private changed(): void {
    this.dirty = true;
    this.wake?.();
    this.unblock();
  }

  /**
   * The UNBLOCK can reach Redis before the XREAD it is meant for; while the set is still dirty it is
   * sent again, so a new subscriber waits at most a few of these intervals, not a whole BLOCK.
   */
  private unblock(): void {
    if (this.unblockTimer || this.stopped) return;
    const id = this.blockingId;
    if (id) this.opts.redis.call('CLIENT', 'UNBLOCK', id).catch(() => {});
    this.unblockTimer = setTimeout(() => {
      this.unblockTimer = undefined;
      if (this.dirty) this.unblock();
    }, 50);
    this.unblockTimer.unref();
  }

  private async run(): Promise<void> {
    const count = String(this.opts.count ?? 500);
    const block = String(this.opts.blockMs ?? 5_000);
    while (!this.stopped) {
      if (this.keys.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const blocking = this.blocking;
      if (!blocking) return;
      const keys = [...this.keys.keys()];
      const ids = keys.map((k) => this.keys.get(k)?.lastId ?? '$');
      this.dirty = false;
      let result: [string, RawEntry[]][] | null;
      try {
        result = (await blocking.call('XREAD', 'COUNT', count, 'BLOCK', block, 'STREAMS', ...keys, ...ids)) as
          | [string, RawEntry[]][]
          | null;
        this.healthy = true;
      } catch (err) {
        if (this.stopped) return;
        this.healthy = false;
        this.opts.logger.warn({ err: (err as Error).message }, 'live_reader_failed');
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      for (const [key, raw] of result ?? []) {
        const state = this.keys.get(key);
        if (!state || raw.length === 0) continue;
        const last = raw[raw.length - 1]?.[0];
        const fresh = toEntries(raw).filter((e) => compareLiveIds(e.id, state.lastId) > 0);
        if (last && compareLiveIds(last, state.lastId) > 0) state.lastId = last;
        if (fresh.length === 0) continue;
        for (const l of state.listeners) l.entries(fresh);
      }
    }
  }
}
