import type { BusRecord } from '@mesh-trace/schema';

export interface PendingSend {
  topic: string;
  records: (BusRecord & { headers?: Record<string, string> })[];
  /** Records already handed to a request (a send larger than one request goes out in parts). */
  sent: number;
  settle(err?: unknown): void;
}

/**
 * Bytes (keys + values) per produce request. Kafka refuses a partition's record batch above its
 * message.max.bytes (1 MiB by default) even after compression, and incompressible payloads stay that
 * large: below it whatever the partitioning.
 */
export const MAX_REQUEST_BYTES = 896 * 1024;

const recordBytes = (r: PendingSend['records'][number]) => r.value.length + r.key.length;

export type SendGroup = (topicMessages: Map<string, PendingSend['records']>) => Promise<void>;

/**
 * Group commit for a producer that allows one request in flight: sends that arrive while a request
 * is in flight wait and then travel together in the next one. An idle producer adds no delay; a
 * busy one sends fewer, larger requests, which is what lets one in-flight request keep up.
 * Each caller still gets its own outcome, and gives up after `timeoutMs` from its own start.
 */
export class GroupProducer {
  private readonly queue: PendingSend[] = [];
  private sending = false;

  constructor(
    private readonly sendGroup: SendGroup,
    private readonly timeoutMs: number,
    private readonly maxGroupBytes = MAX_REQUEST_BYTES,
  ) {}

  send(topic: string, records: PendingSend['records']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        entry.settle(new Error(`produce timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const entry: PendingSend = {
        topic,
        records,
        sent: 0,
        settle: (err) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (err === undefined) resolve();
          else reject(err);
        },
      };
      this.queue.push(entry);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        // Records from the head of the queue up to the request bound; a send larger than the bound
        // is split over consecutive requests (in order, one in flight) and settles with the last.
        const byTopic = new Map<string, PendingSend['records']>();
        const touched = new Set<PendingSend>();
        const finished: PendingSend[] = [];
        let bytes = 0;
        fill: while (this.queue.length > 0) {
          const next = this.queue[0] as PendingSend;
          while (next.sent < next.records.length) {
            const r = next.records[next.sent] as PendingSend['records'][number];
            if (bytes > 0 && bytes + recordBytes(r) > this.maxGroupBytes) break fill;
            const list = byTopic.get(next.topic);
            if (list) list.push(r);
            else byTopic.set(next.topic, [r]);
            bytes += recordBytes(r);
            next.sent++;
            touched.add(next);
          }
          finished.push(next);
          this.queue.shift();
        }
        try {
          await this.sendGroup(byTopic);
          for (const g of finished) g.settle();
        } catch (err) {
          for (const g of touched) {
            g.settle(err);
            const i = this.queue.indexOf(g);
            if (i >= 0) this.queue.splice(i, 1);
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
