import type { Logger } from '@mesh-trace/config';
import type { Registry } from '@mesh-trace/http';
import {
  type CompleteInput,
  formatIsoNs,
  type LiveEntryInput,
  liveStreamKey,
  type Tenant,
} from '@mesh-trace/schema';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import type { AcceptedTraces } from './accepted-traces.js';
import { entry, liveEntriesOf } from './live-entries.js';
import { itemsOfRecords, type PreparedBatch } from './prepared-batch.js';

/**
 * Where live events go: a Redis stream per (org, env, agent) in the split deployment, the query
 * side's in-process feed in the all-in-one. Entries of one call are appended in order.
 */
export interface LiveSink {
  append(tenant: Tenant, entries: LiveEntryInput[]): Promise<void>;
}

/**
 * XADD with approximate MINID trimming keeps at least `retentionMs` of every agent's stream (the
 * Last-Event-ID resume window); an idle stream expires a minute after its retention ran out. A length
 * cap bounds Redis memory for an agent that floods its stream (resume then reaches back less far).
 */
export const LIVE_STREAM_MAX_ENTRIES = 50_000;

export class RedisLiveSink implements LiveSink {
  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number,
  ) {}

  async append(tenant: Tenant, entries: LiveEntryInput[]): Promise<void> {
    if (entries.length === 0) return;
    const minId = `${Date.now() - this.retentionMs}-0`;
    const tx = this.redis.pipeline();
    const keys = new Set<string>();
    for (const e of entries) {
      const key = liveStreamKey(tenant, e.agent_id);
      keys.add(key);
      tx.xadd(key, 'MINID', '~', minId, '*', 't', e.type, 'd', e.data);
    }
    for (const key of keys) {
      tx.xtrim(key, 'MAXLEN', '~', LIVE_STREAM_MAX_ENTRIES);
      tx.pexpire(key, this.retentionMs + 60_000);
    }
    const results = (await tx.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}

type Job =
  | { kind: 'batch'; tenant: Tenant; batch: PreparedBatch; items: number }
  | { kind: 'complete'; tenant: Tenant; traceId: string; owner: string; body: CompleteInput; endNs: bigint };

export interface LivePublisherOptions {
  sink: LiveSink;
  accepted: AcceptedTraces;
  logger: Logger;
  registry: Registry;
  /** Items (traces + spans + events) waiting to be published; beyond it batches are dropped. */
  maxQueuedItems?: number;
}

/**
 * Publishes accepted items to the agents' live streams after the queue acknowledged them. Calls
 * return at once: one pump appends in the background, in acceptance order, coalescing whatever
 * queued meanwhile into one round trip. Publishing never fails a request: when the sink is slow or
 * down the bounded queue overflows, and the overflow is dropped, logged and counted.
 */
export class LivePublisher {
  private readonly queue: Job[] = [];
  private queuedItems = 0;
  private pumping: Promise<void> | undefined;
  private readonly maxQueued: number;
  private readonly published: Counter;
  private readonly dropped: Counter<'reason'>;
  private lastDropLog = 0;

  constructor(private readonly opts: LivePublisherOptions) {
    this.maxQueued = opts.maxQueuedItems ?? 100_000;
    this.published = new Counter({
      name: 'mesh_trace_live_published_total',
      help: 'Live events appended to agents streams',
      registers: [opts.registry],
    });
    this.dropped = new Counter({
      name: 'mesh_trace_live_dropped_total',
      help: 'Accepted items not published live, by reason (queue_full, sink_error)',
      labelNames: ['reason'] as const,
      registers: [opts.registry],
    });
  }

  publishBatch(tenant: Tenant, batch: PreparedBatch): void {
    const items = batch.counts.traces + batch.counts.spans + batch.counts.events;
    this.enqueue({ kind: 'batch', tenant, batch, items }, items);
  }

  publishCompletion(
    tenant: Tenant,
    traceId: string,
    owner: string,
    body: CompleteInput,
    endNs: bigint,
  ): void {
    if (!owner) return;
    this.enqueue({ kind: 'complete', tenant, traceId, owner, body, endNs }, 1);
  }

  /** Resolves once everything queued so far was appended (or dropped). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private enqueue(job: Job, items: number): void {
    if (this.queuedItems + items > this.maxQueued) {
      this.drop('queue_full', items);
      return;
    }
    this.queue.push(job);
    this.queuedItems += items;
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0);
      const items = jobs.reduce((n, j) => n + (j.kind === 'batch' ? j.items : 1), 0);
      try {
        // One owner lookup per key for everything queued meanwhile: a lookup per batch, one after
        // another, fell behind under load and the queue then held hundreds of parsed batches.
        const owners = await this.ownersOf(jobs);
        const byTenant = new Map<string, { tenant: Tenant; entries: LiveEntryInput[] }>();
        for (const job of jobs) {
          const k = tenantKey(job.tenant);
          let group = byTenant.get(k);
          if (!group) {
            group = { tenant: job.tenant, entries: [] };
            byTenant.set(k, group);
          }
          group.entries.push(...this.entriesOf(job, owners.get(k)));
        }
        await Promise.all(
          [...byTenant.values()].map(async ({ tenant, entries }) => {
            await this.opts.sink.append(tenant, entries);
            this.published.inc(entries.length);
          }),
        );
      } catch (err) {
        this.drop('sink_error', items, err);
      } finally {
        this.queuedItems -= items;
      }
    }
  }

  private drop(reason: 'queue_full' | 'sink_error', items: number, err?: unknown): void {
    this.dropped.inc({ reason }, items);
    // One warning per second at most: an outage must not turn into a log flood.
    if (Date.now() - this.lastDropLog < 1_000) return;
    this.lastDropLog = Date.now();
    this.opts.logger.warn(
      { reason, items, err: (err as Error | undefined)?.message },
      'live_publish_dropped',
    );
  }

  private entriesOf(job: Job, owners = new Map<string, string>()): LiveEntryInput[] {
    if (job.kind === 'complete') {
      const { body, traceId, owner, endNs } = job;
      return [
        entry(owner, 'trace.completed', {
          trace_id: traceId,
          agent_id: owner,
          status: body.status,
          end_time: formatIsoNs(body.end_time ?? endNs),
          ...(body.error ? { error: { message: body.error.message, type: body.error.type } } : {}),
        }),
      ];
    }
    // Every trace's owner was known where the batch was decoded: its entries were built there.
    if (job.batch.liveEntries) return job.batch.liveEntries;
    // An agent-bound key owns everything it sends. Otherwise a batch's own trace records name the
    // owner of its items first, as when each batch was looked up alone; the round's map (other queued
    // batches, then Redis) answers for the rest.
    const bound = job.tenant.agent_id;
    const named = job.batch.traceAgents;
    const ownerOf = (traceId: string) => bound ?? (named.get(traceId) || owners.get(traceId));
    const live = new Set([...named.keys()].filter((id) => ownerOf(id)));
    if (live.size === 0) return [];
    // A batch decoded from its request body travels as queue records only: the items of traces with an
    // owner are read back from them (JSON.parse on this thread, the cost of live publishing).
    const batch = job.batch.batch ?? itemsOfRecords(job.batch.records, live, job.batch.order);
    return liveEntriesOf(batch, ownerOf);
  }

  /**
   * Owners of the trace ids in the queued batches of keys not bound to an agent (a bound key's agent
   * owns what it sends): a trace record among the queued batches, else the one remembered when the
   * trace was first accepted. Traces without one are not live. One map per org and env, each filled
   * by at most one lookup.
   */
  private async ownersOf(jobs: Job[]): Promise<Map<string, Map<string, string>>> {
    const byTenant = new Map<string, { tenant: Tenant; batches: PreparedBatch[] }>();
    for (const job of jobs) {
      if (job.kind !== 'batch' || job.tenant.agent_id) continue;
      const k = tenantKey(job.tenant);
      const group = byTenant.get(k);
      if (group) group.batches.push(job.batch);
      else byTenant.set(k, { tenant: job.tenant, batches: [job.batch] });
    }
    const out = new Map<string, Map<string, string>>();
    await Promise.all(
      [...byTenant].map(async ([k, { tenant, batches }]) => {
        const owners = new Map<string, string>();
        out.set(k, owners);
        const ids = new Set<string>();
        for (const batch of batches) {
          for (const [id, agent] of batch.traceAgents) {
            ids.add(id);
            if (agent) owners.set(id, agent);
          }
        }
        const unknown = [...ids].filter((id) => !owners.has(id));
        if (unknown.length === 0) return;
        for (const [id, agent] of await this.opts.accepted.owners(tenant, unknown)) {
          if (agent) owners.set(id, agent);
        }
      }),
    );
    return out;
  }
}

const tenantKey = (t: Tenant) => `${t.org_id}\n${t.env}`;
