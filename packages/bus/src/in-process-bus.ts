import { DependencyUnavailableError } from '@mesh-trace/errors';
import type {
  BatchHandler,
  Bus,
  BusConsumer,
  BusProducer,
  ConsumedMessage,
  ConsumerOptions,
} from './types.js';

export interface InProcessBusOptions {
  /** Messages held per topic before producers get 503 (backpressure, not unbounded memory). */
  maxBufferedMessages?: number;
  maxBatchMessages?: number;
}

interface TopicLog {
  messages: ConsumedMessage[];
  /** Offset of messages[0]. */
  base: bigint;
  next: bigint;
  waiters: (() => void)[];
}

/**
 * The all-in-one's queue: one partition per topic, at-least-once like Kafka (a handler that rejects
 * gets the same messages again). It lives in memory, so a crash loses what was not yet written.
 */
export class InProcessBus implements Bus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly consumers: InProcessConsumer[] = [];
  readonly maxBuffered: number;
  readonly maxBatch: number;

  constructor(opts: InProcessBusOptions = {}) {
    this.maxBuffered = opts.maxBufferedMessages ?? 100_000;
    this.maxBatch = opts.maxBatchMessages ?? 1_000;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  health(): { ok: boolean } {
    return { ok: true };
  }

  log(topic: string): TopicLog {
    let t = this.topics.get(topic);
    if (!t) {
      t = { messages: [], base: 0n, next: 0n, waiters: [] };
      this.topics.set(topic, t);
    }
    return t;
  }

  producer(): BusProducer {
    return {
      connected: () => true,
      send: async (topic, records) => {
        const t = this.log(topic);
        if (t.messages.length + records.length > this.maxBuffered) {
          throw new DependencyUnavailableError('in-process queue (full)', undefined, 1);
        }
        for (const r of records) {
          t.messages.push({
            offset: t.next.toString(),
            key: Buffer.from(r.key),
            value: r.value,
            headers: r.headers ?? {},
          });
          t.next += 1n;
        }
        for (const w of t.waiters.splice(0)) w();
      },
    };
  }

  consumer(opts: ConsumerOptions): BusConsumer {
    const c = new InProcessConsumer(this, opts.topic);
    this.consumers.push(c);
    return c;
  }
}

class InProcessConsumer implements BusConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly bus: InProcessBus,
    private readonly topic: string,
  ) {}

  async run(handler: BatchHandler): Promise<void> {
    this.running = true;
    this.loop = this.consume(handler);
  }

  private async consume(handler: BatchHandler): Promise<void> {
    const t = this.bus.log(this.topic);
    let failures = 0;
    // After stop() the loop keeps going until the queue is empty: shutdown drains what was accepted.
    while (this.running || t.messages.length > 0) {
      if (t.messages.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          t.waiters.push(resolve);
        });
        continue;
      }
      const messages = t.messages.slice(0, this.bus.maxBatch);
      try {
        await handler(
          { topic: this.topic, partition: 0, messages },
          { heartbeat: async () => {}, commit: async () => {}, isActive: () => true },
        );
        // Committed: drop what was handled.
        t.messages.splice(0, messages.length);
        t.base += BigInt(messages.length);
        failures = 0;
      } catch {
        failures += 1;
        await new Promise((r) => setTimeout(r, Math.min(10_000, 100 * 2 ** Math.min(failures, 7))));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  lag(): Map<number, number> {
    return new Map([[0, this.bus.log(this.topic).messages.length]]);
  }
}
