import { attributeText, type EdgeCallRow, type SpanRow } from '@mesh-trace/storage';

interface SeenSpan {
  service: string;
  at: number;
}

interface PendingChild {
  row: SpanRow;
  at: number;
}

/**
 * Turns parent→child pairs across services into edge calls. Kafka is keyed by trace id, so this
 * writer sees every span of a trace; a child whose parent has not arrived yet waits in a bounded
 * pending map until the parent shows up in a later batch or `ttlMs` passes. Both maps are bounded
 * (oldest dropped first): memory stays flat whatever the traffic. State is per process: a pair
 * split across a writer restart or a rebalance yields no edge.
 */
export class EdgeTracker {
  private readonly seen = new Map<string, SeenSpan>();
  private readonly pending = new Map<string, PendingChild[]>();
  private pendingCount = 0;

  constructor(
    private readonly maxEntries = 500_000,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers `spans` and appends the edges they complete to `out`. */
  observe(spans: SpanRow[], out: EdgeCallRow[]): void {
    const now = this.now();
    for (const s of spans) {
      const k = keyOf(s, s.span_id);
      this.seen.delete(k);
      this.seen.set(k, { service: s.service, at: now });
      const waiting = this.pending.get(k);
      if (waiting) {
        this.pending.delete(k);
        this.pendingCount -= waiting.length;
        for (const child of waiting) pushEdge(out, s.service, child.row);
      }
    }
    for (const s of spans) {
      if (!s.parent_span_id) continue;
      const pk = keyOf(s, s.parent_span_id);
      const parent = this.seen.get(pk);
      if (parent) {
        pushEdge(out, parent.service, s);
        continue;
      }
      const list = this.pending.get(pk) ?? [];
      list.push({ row: s, at: now });
      this.pending.set(pk, list);
      this.pendingCount += 1;
    }
    this.evict(now);
  }

  size(): { seen: number; pending: number } {
    return { seen: this.seen.size, pending: this.pendingCount };
  }

  private evict(now: number): void {
    for (const [k, v] of this.seen) {
      if (this.seen.size <= this.maxEntries && now - v.at <= this.ttlMs) break;
      this.seen.delete(k);
    }
    for (const [k, list] of this.pending) {
      const first = list[0];
      if (this.pendingCount <= this.maxEntries && first && now - first.at <= this.ttlMs) break;
      this.pending.delete(k);
      this.pendingCount -= list.length;
    }
  }
}

function keyOf(s: SpanRow, spanId: string): string {
  return `${s.org_id}\u0000${s.env}\u0000${s.trace_id}\u0000${spanId}`;
}

function pushEdge(out: EdgeCallRow[], source: string, child: SpanRow): void {
  if (source === child.service) return;
  out.push({
    org_id: child.org_id,
    env: child.env,
    time: child.start_time,
    source,
    target: child.service,
    cluster: clusterOf(child.resource),
    duration_ns: child.duration_ns,
    is_error: child.status === 'error' ? 1 : 0,
  });
}

/** A resource value as ClickHouse stores it in the map; '' when the key is missing. */
const asText = (v: unknown): string => (v === undefined ? '' : attributeText(v));

/** The cluster exactly as service_rollups_mv_v1 reads it from the stored resource map. */
export function clusterOf(resource: Record<string, unknown>): string {
  const k8s = asText(resource['k8s.cluster.name']);
  return k8s !== '' ? k8s : asText(resource.cluster);
}
