import type {
  BatchContext,
  BatchHandler,
  BusProducer,
  ConsumedBatch,
  ConsumedMessage,
} from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { decodeTraceMessage } from '@mesh-trace/schema';
import {
  type ClickHouseClient,
  emptyRows,
  findIntent,
  type IntentKey,
  insertRows,
  messageToRows,
  recordIntent,
  type TableRows,
} from '@mesh-trace/storage';
import { Counter, type Registry } from 'prom-client';
import type { EdgeTracker } from './edge-tracker.js';
import { isContentError } from './insert-errors.js';

export interface WriterMetrics {
  rows: Counter<'table'>;
  deadLettered: Counter<'reason'>;
  insertRetries: Counter;
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
    insertRetries: new Counter({
      name: 'mesh_trace_writer_insert_retries_total',
      help: 'Inserts retried after a transient ClickHouse failure',
      registers: [registry],
    }),
  };
}

export interface FlushSettings {
  /** Rows (spans, traces, events, completions) per insert; a chunk ends at the first message past it. */
  maxRows: number;
  /** Message bytes per insert. */
  maxBytes: number;
  /** Retry backoff for transient insert failures: initial and cap, in ms (with jitter). */
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface HandlerDeps {
  ch: ClickHouseClient;
  producer: BusProducer;
  deadLetterTopic: string;
  groupId: string;
  logger: Logger;
  metrics: WriterMetrics;
  edges: EdgeTracker;
  flush: FlushSettings;
}

interface DeadLetter {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

function deadLetter(batch: ConsumedBatch, m: ConsumedMessage, reason: string): DeadLetter {
  return {
    key: m.key?.toString('utf8') ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers: { 'x-dlq-reason': reason, 'x-dlq-origin': `${batch.topic}:${batch.partition}:${m.offset}` },
  };
}

type Decoded = { ok: true; rows: TableRows } | { ok: false; reason: string };

function decode(m: ConsumedMessage): Decoded {
  const res = decodeTraceMessage(m.value);
  if (!res.ok) return res;
  const rows = emptyRows();
  messageToRows(res.message, rows);
  return { ok: true, rows };
}

const countRows = (r: TableRows) => Object.values(r).reduce((n, v: unknown[]) => n + v.length, 0);

/**
 * Splits a fetched batch into chunks (by rows and bytes), and for each chunk: records the offset
 * range it is about to insert, inserts with a deduplication token naming that range, then commits.
 * After a crash the next writer finds the recorded range and re-inserts exactly it, so ClickHouse
 * drops the repeat. Transient failures are retried in place (the partition is effectively paused,
 * the consumer keeps heart-beating); content rejections are isolated per message and dead-lettered.
 */
export function createBatchHandler(deps: HandlerDeps): BatchHandler {
  /** Per partition, the next offset this process committed itself: no intent lookup needed there. */
  const ownNext = new Map<string, string>();
  return async (batch, ctx) => {
    const key: IntentKey = { group_id: deps.groupId, topic: batch.topic, partition: batch.partition };
    const pkey = `${batch.topic}:${batch.partition}`;
    const decoded: Decoded[] = new Array(batch.messages.length);
    let i = 0;
    while (i < batch.messages.length) {
      if (!ctx.isActive())
        throw new Error('consumer stopping or rebalanced: leaving the rest for redelivery');
      const first = batch.messages[i] as ConsumedMessage;
      const intended =
        ownNext.get(pkey) === first.offset
          ? undefined
          : await retrying(deps, ctx, () => findIntent(deps.ch, key, first.offset));
      let end = i;
      let rowCount = 0;
      let bytes = 0;
      while (end < batch.messages.length) {
        const m = batch.messages[end] as ConsumedMessage;
        if (intended !== undefined) {
          if (BigInt(m.offset) > BigInt(intended)) break;
        } else if (end > i && (rowCount >= deps.flush.maxRows || bytes >= deps.flush.maxBytes)) break;
        const d = decode(m);
        decoded[end] = d;
        bytes += m.value?.length ?? 0;
        rowCount += d.ok ? countRows(d.rows) : 0;
        end += 1;
      }
      const chunk = batch.messages.slice(i, end);
      const last = chunk[chunk.length - 1] as ConsumedMessage;
      if (intended !== undefined && last.offset !== intended) {
        deps.logger.warn(
          { ...key, first: first.offset, intended, got: last.offset },
          'intent_range_incomplete',
        );
      }
      await writeChunk(deps, ctx, batch, chunk, decoded.slice(i, end), key);
      await ctx.commit(last.offset);
      ownNext.set(pkey, (BigInt(last.offset) + 1n).toString());
      i = end;
    }
  };
}

async function writeChunk(
  deps: HandlerDeps,
  ctx: BatchContext,
  batch: ConsumedBatch,
  chunk: ConsumedMessage[],
  chunkDecoded: Decoded[],
  key: IntentKey,
): Promise<void> {
  const rows = emptyRows();
  const dead: DeadLetter[] = [];
  const decoded: { m: ConsumedMessage; rows: TableRows }[] = [];
  chunk.forEach((m, j) => {
    const d = chunkDecoded[j] ?? decode(m);
    if (!d.ok) {
      dead.push(deadLetter(batch, m, d.reason));
      return;
    }
    decoded.push({ m, rows: d.rows });
    for (const [table, values] of Object.entries(d.rows) as [keyof TableRows, never[]][])
      rows[table].push(...values);
  });
  deps.edges.observe(rows.spans_v1, rows.service_edge_calls_v1);
  const firstOffset = (chunk[0] as ConsumedMessage).offset;
  const lastOffset = (chunk[chunk.length - 1] as ConsumedMessage).offset;
  const token = `${batch.topic}:${batch.partition}:${firstOffset}-${lastOffset}`;
  await retrying(deps, ctx, () => recordIntent(deps.ch, key, firstOffset, lastOffset));
  try {
    await retrying(deps, ctx, () => insertRows(deps.ch, rows, { dedupToken: token }));
    count(deps, rows);
  } catch (err) {
    if (!isContentError(err)) throw err;
    // Some message's rows were rejected for their content: insert message by message (each with
    // its own token) and dead-letter the ones ClickHouse refuses.
    deps.logger.warn({ token, err: (err as Error).message }, 'chunk_rejected_isolating');
    for (const d of decoded) {
      try {
        await retrying(deps, ctx, () =>
          insertRows(deps.ch, d.rows, {
            dedupToken: `${batch.topic}:${batch.partition}:${d.m.offset}-${d.m.offset}`,
          }),
        );
        count(deps, d.rows);
      } catch (inner) {
        if (!isContentError(inner)) throw inner;
        const code = (inner as { code?: string }).code ?? 'unknown';
        dead.push(
          deadLetter(
            batch,
            d.m,
            `clickhouse_rejected: code ${code}: ${(inner as Error).message.slice(0, 300)}`,
          ),
        );
      }
    }
  }
  if (dead.length) {
    await retrying(deps, ctx, () => deps.producer.send(deps.deadLetterTopic, dead));
    for (const d of dead)
      deps.metrics.deadLettered.inc({
        reason: (d.headers['x-dlq-reason'] ?? 'unknown').split(':')[0] ?? 'unknown',
      });
    deps.logger.warn(
      { topic: batch.topic, partition: batch.partition, count: dead.length },
      'messages_dead_lettered',
    );
  }
  deps.logger.debug({ token, rows: countRows(rows) }, 'chunk_inserted');
}

function count(deps: HandlerDeps, rows: TableRows): void {
  for (const [table, values] of Object.entries(rows)) {
    if (values.length) deps.metrics.rows.inc({ table }, values.length);
  }
}

/**
 * Retries transient failures with capped exponential backoff and jitter while the consumer is
 * active, heart-beating so the group does not evict this member. Content errors and a consumer that
 * stops being active end the retries (the caller leaves the messages for redelivery).
 */
async function retrying<T>(deps: HandlerDeps, ctx: BatchContext, op: () => Promise<T>): Promise<T> {
  let delay = deps.flush.retryInitialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (isContentError(err) || !ctx.isActive()) throw err;
      deps.metrics.insertRetries.inc();
      if (attempt === 1 || attempt % 10 === 0) {
        deps.logger.warn({ attempt, err: (err as Error).message }, 'clickhouse_write_retrying');
      }
      const until = Date.now() + delay * (0.5 + Math.random() / 2);
      while (Date.now() < until) {
        await ctx.heartbeat().catch(() => {});
        if (!ctx.isActive()) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1_000, Math.max(0, until - Date.now()))));
      }
      delay = Math.min(deps.flush.retryMaxMs, delay * 2);
    }
  }
}
