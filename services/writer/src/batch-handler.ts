import type { BatchHandler, BusProducer, ConsumedBatch } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { decodeTraceMessage } from '@mesh-trace/schema';
import { type ClickHouseClient, emptyRows, insertRows, messageToRows } from '@mesh-trace/storage';
import { Counter, type Registry } from 'prom-client';

export interface WriterMetrics {
  rows: Counter<'table'>;
  deadLettered: Counter<'reason'>;
}

export function writerMetrics(registry: Registry): WriterMetrics {
  return {
    rows: new Counter({
      name: 'mesh_trace_writer_rows_total',
      help: 'Rows inserted into ClickHouse',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'mesh_trace_writer_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export interface HandlerDeps {
  ch: ClickHouseClient;
  producer: BusProducer;
  deadLetterTopic: string;
  logger: Logger;
  metrics: WriterMetrics;
}

/** The deduplication token names exactly the messages an insert carries, so a redelivery after a
 * crash between insert and commit is dropped by ClickHouse. */
export function dedupTokenFor(batch: ConsumedBatch): string {
  const first = batch.messages[0]?.offset ?? '0';
  const last = batch.messages[batch.messages.length - 1]?.offset ?? first;
  return `${batch.topic}:${batch.partition}:${first}-${last}`;
}

/**
 * Decode every message, dead-letter the undecodable ones (with the reason and original bytes),
 * insert the rest, and resolve only once ClickHouse stored them; the consumer commits after that.
 */
export function createBatchHandler(deps: HandlerDeps): BatchHandler {
  return async (batch) => {
    const rows = emptyRows();
    const dead: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
    for (const m of batch.messages) {
      const res = decodeTraceMessage(m.value);
      if (res.ok) {
        messageToRows(res.message, rows);
        continue;
      }
      dead.push({
        key: m.key?.toString('utf8') ?? '',
        value: m.value ?? Buffer.alloc(0),
        headers: {
          'x-dlq-reason': res.reason,
          'x-dlq-origin': `${batch.topic}:${batch.partition}:${m.offset}`,
        },
      });
      deps.metrics.deadLettered.inc({ reason: res.reason.split(':')[0] ?? 'unknown' });
    }
    if (dead.length) {
      await deps.producer.send(deps.deadLetterTopic, dead);
      deps.logger.warn(
        { topic: batch.topic, partition: batch.partition, count: dead.length },
        'messages_dead_lettered',
      );
    }
    const started = Date.now();
    await insertRows(deps.ch, rows, { dedupToken: dedupTokenFor(batch) });
    for (const [table, values] of Object.entries(rows)) {
      if (values.length) deps.metrics.rows.inc({ table }, values.length);
    }
    deps.logger.debug(
      {
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages.length,
        spans: rows.spans_v1.length,
        ms: Date.now() - started,
      },
      'batch_inserted',
    );
  };
}
