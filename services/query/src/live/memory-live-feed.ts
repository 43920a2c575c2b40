import {
  compareLiveIds,
  type LiveEntry,
  type LiveEntryInput,
  liveStreamKey,
  type Tenant,
} from '@mesh-trace/schema';
import { closedSubscription, type LiveFeed, type LiveListener, type LiveSubscription } from './live-feed.js';

interface Stream {
  entries: LiveEntry[];
  listeners: Set<LiveListener>;
}

/**
 * The all-in-one's live streams: ingest appends (it is the ingest side's LiveSink too) and query
 * subscribes in the same process. Ids follow Redis' `<ms>-<seq>` form so clients cannot tell the
 * deployments apart; each stream keeps `retentionMs` of entries, at most `maxEntriesPerStream`.
 */
export class MemoryLiveFeed implements LiveFeed {
  private readonly streams = new Map<string, Stream>();
  private lastMs = 0;
  private seq = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly opts: { retentionMs: number; maxEntriesPerStream?: number } = { retentionMs: 600_000 },
  ) {}

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const s of this.streams.values()) for (const l of s.listeners) l.closed();
    this.streams.clear();
  }

  health(): { ok: boolean } {
    return { ok: !this.stopped };
  }

  async append(tenant: Tenant, entries: LiveEntryInput[]): Promise<void> {
    const touched = new Map<Stream, LiveEntry[]>();
    for (const e of entries) {
      const key = liveStreamKey(tenant, e.agent_id);
      let stream = this.streams.get(key);
      if (!stream) {
        stream = { entries: [], listeners: new Set() };
        this.streams.set(key, stream);
      }
      const stored = { id: this.nextId(), type: e.type, data: e.data };
      stream.entries.push(stored);
      let fresh = touched.get(stream);
      if (!fresh) {
        fresh = [];
        touched.set(stream, fresh);
      }
      fresh.push(stored);
    }
    for (const [stream, fresh] of touched) {
      this.trim(stream);
      for (const l of stream.listeners) l.entries(fresh);
    }
  }

  async exists(tenant: Tenant, agentId: string): Promise<boolean> {
    return (this.streams.get(liveStreamKey(tenant, agentId))?.entries.length ?? 0) > 0;
  }

  async tail(tenant: Tenant, agentId: string): Promise<string> {
    const entries = this.streams.get(liveStreamKey(tenant, agentId))?.entries;
    return entries?.[entries.length - 1]?.id ?? '0-0';
  }

  async range(
    tenant: Tenant,
    agentId: string,
    afterId: string,
    toId: string,
    count: number,
  ): Promise<LiveEntry[]> {
    const entries = this.streams.get(liveStreamKey(tenant, agentId))?.entries ?? [];
    const out: LiveEntry[] = [];
    for (const e of entries) {
      if (compareLiveIds(e.id, afterId) <= 0) continue;
      if (compareLiveIds(e.id, toId) > 0 || out.length >= count) break;
      out.push(e);
    }
    return out;
  }

  subscribe(tenant: Tenant, agentId: string, fromId: string, listener: LiveListener): LiveSubscription {
    if (this.stopped) return closedSubscription(listener, fromId);
    const key = liveStreamKey(tenant, agentId);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { entries: [], listeners: new Set() };
      this.streams.set(key, stream);
    }
    stream.listeners.add(listener);
    const s = stream;
    // Appends notify synchronously, so everything up to the current tail is for range() to read.
    return {
      since: s.entries[s.entries.length - 1]?.id ?? '0-0',
      close: () => {
        s.listeners.delete(listener);
      },
    };
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq += 1;
    return `${this.lastMs}-${this.seq}`;
  }

  private trim(stream: Stream): void {
    const oldest = Date.now() - this.opts.retentionMs;
    let drop = 0;
    while (drop < stream.entries.length && Number(stream.entries[drop]?.id.split('-')[0]) < oldest) drop += 1;
    const over = stream.entries.length - drop - (this.opts.maxEntriesPerStream ?? 10_000);
    if (over > 0) drop += over;
    if (drop > 0) stream.entries.splice(0, drop);
  }

  private sweep(): void {
    for (const [key, stream] of this.streams) {
      this.trim(stream);
      if (stream.entries.length === 0 && stream.listeners.size === 0) this.streams.delete(key);
    }
  }
}
