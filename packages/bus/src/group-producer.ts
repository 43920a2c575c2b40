import type { BusRecord } from '@mesh-trace/schema';

export interface PendingSend {
  topic: string;
  records: (BusRecord & { headers?: Record<string, string> })[];
  bytes: number;
  settle(err?: unknown): void;
}

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
    private readonly maxGroupBytes = 2 * 1024 * 1024,
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
        bytes: records.reduce((n, r) => n + r.value.length + r.key.length, 0),
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
        const group: PendingSend[] = [];
        let bytes = 0;
        while (this.queue.length > 0) {
          const next = this.queue[0] as PendingSend;
          if (group.length > 0 && bytes + next.bytes > this.maxGroupBytes) break;
          group.push(next);
          bytes += next.bytes;
          this.queue.shift();
        }
        const byTopic = new Map<string, PendingSend['records']>();
        for (const g of group) byTopic.set(g.topic, [...(byTopic.get(g.topic) ?? []), ...g.records]);
        try {
          await this.sendGroup(byTopic);
          for (const g of group) g.settle();
        } catch (err) {
          for (const g of group) g.settle(err);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
