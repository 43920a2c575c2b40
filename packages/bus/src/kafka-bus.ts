import { DependencyUnavailableError } from '@mesh-trace/errors';
import {
  type Admin,
  type Consumer,
  Kafka,
  logLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { compressionType, type KafkaCompression } from './codecs.js';
import { GroupProducer } from './group-producer.js';
import type { BatchHandler, Bus, BusConsumer, BusProducer, ConsumerOptions } from './types.js';

/** TLS and SASL for the broker connections (managed Kafka services need one or both). */
export interface KafkaSecurity {
  /** true: TLS with the system's CAs; an object: Node TLS options (`ca`, `rejectUnauthorized`, …). */
  ssl?: boolean | { ca?: string[]; rejectUnauthorized?: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface KafkaBusOptions extends KafkaSecurity {
  brokers: string[];
  clientId: string;
  /** Partitions for topics this bus creates (ingest topic, dead-letter topic). */
  partitions?: number;
  /** How long a produce may wait for acks before ingest answers 503. */
  produceTimeoutMs?: number;
  /** Compression of the record batches this bus produces (default lz4). */
  compression?: KafkaCompression;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** A thin wrapper so kafkajs (in maintenance mode) can be replaced without touching services. */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly opts: KafkaBusOptions;
  private producerClient: Producer | undefined;
  private producerConnected = false;
  /**
   * Readiness also drops for a few seconds after a failed send (the producer may look connected to a
   * hung broker), then comes back so traffic can probe whether Kafka recovered.
   */
  private lastSendFailedAt = 0;
  private readonly consumers: KafkaConsumer[] = [];
  private grouped: GroupProducer | undefined;

  constructor(opts: KafkaBusOptions) {
    this.opts = opts;
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      ...(opts.ssl ? { ssl: opts.ssl } : {}),
      // kafkajs types SASL options as a union per mechanism; ours is the same shape with a union field.
      ...(opts.sasl ? { sasl: opts.sasl as SASLOptions } : {}),
      // kafkajs' own warnings (rebalances, lost connections) go to our logger; quieter levels are noise.
      logLevel: opts.log ? logLevel.WARN : logLevel.NOTHING,
      logCreator: () => (entry) => {
        const { message, ...rest } = entry.log;
        opts.log?.warn(
          { kafka_namespace: entry.namespace, kafka_level: entry.label, ...rest },
          `kafkajs: ${message}`,
        );
      },
      retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
      connectionTimeout: 3_000,
    });
  }

  async start(): Promise<void> {
    await this.ensureTopics();
    // kafkajs marks idempotence experimental and has a report of loss with several in-flight
    // requests; one in flight per broker keeps ordering and idempotence sound.
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Idempotence needs unlimited internal retries; the request itself is bounded by the race below.
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
      allowAutoTopicCreation: false,
    });
    producer.on(producer.events.CONNECT, () => {
      this.producerConnected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      this.producerConnected = false;
    });
    await producer.connect();
    this.producerConnected = true;
    this.producerClient = producer;
  }

  /** Creates the topics this project uses when missing; idempotent across replicas. */
  async ensureTopics(topics: string[] = ['mesh-trace.spans.v1', 'mesh-trace.spans.v1.dlq']): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 3 })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.producerClient?.disconnect();
    this.producerConnected = false;
  }

  health(): { ok: boolean; reason?: string } {
    if (!this.producerClient) return { ok: true };
    if (!this.producerConnected) return { ok: false, reason: 'kafka producer disconnected' };
    return Date.now() - this.lastSendFailedAt > 5_000
      ? { ok: true }
      : { ok: false, reason: 'kafka produce failing' };
  }

  producer(): BusProducer {
    if (!this.grouped) {
      const compression = compressionType(this.opts.compression ?? 'lz4');
      this.grouped = new GroupProducer(async (byTopic) => {
        const p = this.producerClient;
        if (!p) throw new Error('producer not started');
        // One request for every send that queued up; kafkajs keeps retrying a lost broker for longer
        // than a caller waits, so each caller's own timer bounds its request. A send that timed out
        // may still land later: at-least-once.
        await p.sendBatch({
          acks: -1,
          timeout: this.opts.produceTimeoutMs ?? 5_000,
          compression,
          topicMessages: [...byTopic].map(([topic, records]) => ({
            topic,
            messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
          })),
        });
      }, this.opts.produceTimeoutMs ?? 5_000);
    }
    const grouped = this.grouped;
    return {
      connected: () => this.health().ok,
      send: async (topic, records) => {
        if (!this.producerClient) throw new DependencyUnavailableError('kafka');
        try {
          await grouped.send(topic, records);
          this.lastSendFailedAt = 0;
        } catch (err) {
          this.lastSendFailedAt = Date.now();
          throw new DependencyUnavailableError('kafka', err);
        }
      },
    };
  }

  consumer(opts: ConsumerOptions): BusConsumer {
    const c = new KafkaConsumer(this.kafka, opts);
    this.consumers.push(c);
    return c;
  }
}

class KafkaConsumer implements BusConsumer {
  private readonly consumer: Consumer;
  private readonly lagByPartition = new Map<number, number>();

  constructor(
    kafka: Kafka,
    private readonly opts: ConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
      minBytes: opts.minBytes ?? 1,
      maxWaitTimeInMs: opts.maxWaitMs ?? 200,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
    });
  }

  async run(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: this.opts.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      // Partitions are independent (own offsets, own dedup tokens): overlap their inserts.
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const commit = async (offset: string) => {
          // resolveOffset moves kafkajs' fetch position (without it the batch is fetched again);
          // Kafka's committed offset is the next one to read.
          resolveOffset(offset);
          await this.consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() },
          ]);
        };
        // A long insert (ClickHouse slow or down) must not cost this member its partitions.
        const ticker = setInterval(() => {
          heartbeat().catch(() => {});
        }, 2_000);
        try {
          await handler(
            {
              topic: batch.topic,
              partition: batch.partition,
              messages: batch.messages.map((m) => ({
                offset: m.offset,
                key: m.key,
                value: m.value,
                headers: Object.fromEntries(
                  Object.entries(m.headers ?? {}).map(([k, v]) => [k, v === undefined ? '' : String(v)]),
                ),
              })),
            },
            { heartbeat, commit, isActive: () => isRunning() && !isStale() },
          );
        } finally {
          clearInterval(ticker);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (!last) return;
        // Commit only after the handler resolved: the rows are stored.
        await commit(last.offset);
        this.lagByPartition.set(batch.partition, Math.max(0, Number(batch.offsetLagLow())));
      },
    });
  }

  async stop(): Promise<void> {
    // disconnect() waits for the running eachBatch to finish, then leaves the group.
    await this.consumer.disconnect();
  }

  lag(): Map<number, number> {
    return new Map(this.lagByPartition);
  }
}
