import type { BusRecord } from '@mesh-trace/schema';

export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

/**
 * Processes one batch. When it resolves, the offsets of every message in it are committed; when it
 * rejects, nothing is committed and the batch is delivered again.
 */
export type BatchHandler = (batch: ConsumedBatch, ctx: BatchContext) => Promise<void>;

export interface BatchContext {
  heartbeat(): Promise<void>;
  /** Commits up to and including `offset` now (after a flushed chunk of a large batch). */
  commit(offset: string): Promise<void>;
  /** False once the consumer is stopping or the partition was reassigned: stop and let it redeliver. */
  isActive(): boolean;
}

export interface ConsumerOptions {
  groupId: string;
  topic: string;
  fromBeginning?: boolean;
  /**
   * Fetch shaping, which is how the writer batches by bytes and age: a fetch waits up to
   * `maxWaitMs` for `minBytes`, and returns at most `maxBytesPerPartition` per partition.
   */
  minBytes?: number;
  maxWaitMs?: number;
  maxBytesPerPartition?: number;
  /** Partitions handled at once by this member (their inserts overlap). */
  partitionsConcurrently?: number;
  /** How long a silent member (crashed, SIGKILLed) keeps its partitions before a rebalance. */
  sessionTimeoutMs?: number;
}

export interface BusProducer {
  /** Resolves only when the records are durably acknowledged (Kafka: acks=all). */
  send(topic: string, records: (BusRecord & { headers?: Record<string, string> })[]): Promise<void>;
  connected(): boolean;
}

export interface BusConsumer {
  run(handler: BatchHandler): Promise<void>;
  stop(): Promise<void>;
  /** Messages not yet committed, per partition, as last seen (lag). */
  lag(): Map<number, number>;
}

/** The queue between ingest and writer: a Kafka cluster, or an in-process queue in the all-in-one. */
export interface Bus {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; reason?: string };
  producer(): BusProducer;
  consumer(opts: ConsumerOptions): BusConsumer;
}
