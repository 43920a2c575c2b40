import { BaseError } from '@mesh-trace/errors';
import {
  type Batch,
  type BatchLimits,
  type BusRecord,
  encodeTraceMessages,
  type LiveEntryInput,
  nowNs,
  parseBatch,
  type SpanInput,
  type Tenant,
  type TraceMessage,
} from '@mesh-trace/schema';

import { liveEntriesOf } from './live-entries.js';

type Attributes = SpanInput['attributes'];

/**
 * A validated batch ready to produce: its queue records (one or more per trace, keyed by trace id)
 * and what the accept path needs to know of it without the items themselves. It is what a decode
 * thread hands back to the request thread, so it holds no BigInt-laden item objects.
 */
export interface PreparedBatch {
  records: BusRecord[];
  counts: { traces: number; spans: number; events: number };
  /**
   * Every trace id in the batch, mapped to the agent its trace records name ('' when none does; the
   * last naming wins): the accepted-trace store, agent-bound keys and live streams read owners here.
   */
  traceAgents: Map<string, string>;
  /** Every agent id a trace record names (an agent-bound key may name only its own). */
  namedAgents: string[];
  /** The trace id of each item, in the batch's order (records group items by trace). */
  order: ItemOrder;
  /**
   * The batch's live-stream entries, built where it was decoded when asked for and when every trace
   * in it has an owner known from the batch itself (an agent-bound key, or trace records naming one).
   */
  liveEntries?: LiveEntryInput[];
  /** The validated items, when at hand on this thread; live publishing otherwise reads the records. */
  batch?: Batch;
}

export interface PrepareOptions {
  /** Build the live-stream entries too, when every owner is known from the batch (see PreparedBatch). */
  liveEntries?: boolean;
}

/** Encodes a validated batch for the queue and summarises it (the one path of every ingest API). */
export function prepareBatch(
  batch: Batch,
  tenant: Tenant,
  receivedAtNs: bigint,
  opts: PrepareOptions = {},
): PreparedBatch {
  const traceAgents = new Map<string, string>();
  const named = new Set<string>();
  for (const t of batch.traces) {
    if (t.agent_id) named.add(t.agent_id);
    if (!traceAgents.has(t.trace_id) || t.agent_id) traceAgents.set(t.trace_id, t.agent_id ?? '');
  }
  for (const s of batch.spans) if (!traceAgents.has(s.trace_id)) traceAgents.set(s.trace_id, '');
  for (const e of batch.events) if (!traceAgents.has(e.trace_id)) traceAgents.set(e.trace_id, '');
  const bound = tenant.agent_id;
  const ownerOf = (traceId: string) => bound ?? traceAgents.get(traceId);
  const owned = opts.liveEntries === true && [...traceAgents.keys()].every((id) => ownerOf(id));
  return {
    ...(owned ? { liveEntries: liveEntriesOf(batch, ownerOf) } : {}),
    records: encodeTraceMessages(batch, tenant, receivedAtNs),
    counts: { traces: batch.traces.length, spans: batch.spans.length, events: batch.events.length },
    traceAgents,
    namedAgents: [...named],
    order: {
      traces: batch.traces.map((t) => t.trace_id),
      spans: batch.spans.map((x) => x.trace_id),
      events: batch.events.map((e) => e.trace_id),
    },
  };
}

/**
 * POST /v1/traces/batch from the request's bytes (already inflated, within the size limit) to
 * queue records: JSON parse, validation (400 / 422 as API.md §2), encoding. The CPU-heavy part of
 * ingest, run on a decode thread (decode-pool.ts) or inline.
 */
export function decodeBatchBody(
  body: Uint8Array | undefined,
  tenant: Tenant,
  limits: BatchLimits,
  opts: PrepareOptions = {},
): PreparedBatch {
  let json: unknown;
  if (body !== undefined) {
    // As body-parser's JSON reader: UTF-8 (a byte-order mark is dropped), an empty body is {}.
    const text = new TextDecoder().decode(body);
    if (text.length === 0) json = {};
    else {
      try {
        json = JSON.parse(text);
      } catch {
        throw new BaseError('invalid_json', 'Malformed JSON body');
      }
    }
  }
  const now = limits.now ?? nowNs();
  const batch = parseBatch(json, { ...limits, now });
  // The items ride along for live publishing when decoded inline; a decode thread does not send them.
  return { ...prepareBatch(batch, tenant, now, opts), batch };
}

export interface ItemOrder {
  traces: string[];
  spans: string[];
  events: string[];
}

/**
 * The items of the records whose trace is in `traceIds`, as the batch they were encoded from held
 * them, in its order (live publishing builds its entries from these, for traces that have an owner).
 */
export function itemsOfRecords(records: BusRecord[], traceIds: Set<string>, order: ItemOrder): Batch {
  const traces = new Map<string, Batch['traces']>();
  const spans = new Map<string, Batch['spans']>();
  const events = new Map<string, Batch['events']>();
  const queue = <T>(m: Map<string, T[]>, id: string): T[] => {
    let q = m.get(id);
    if (!q) {
      q = [];
      m.set(id, q);
    }
    return q;
  };
  for (const r of records) {
    if (!traceIds.has(r.key)) continue;
    const m = JSON.parse(r.value.toString('utf8')) as TraceMessage;
    const trace_id = m.trace_id;
    for (const t of m.traces) {
      queue(traces, trace_id).push({
        trace_id,
        name: t.name,
        service: t.service,
        agent_id: t.agent_id,
        start_time: BigInt(t.start_time),
        attributes: t.attributes as Attributes,
        input: t.input,
      });
    }
    for (const s of m.spans) {
      queue(spans, trace_id).push({
        trace_id,
        span_id: s.span_id,
        parent_span_id: s.parent_span_id,
        name: s.name,
        service: s.service,
        kind: s.kind as SpanInput['kind'],
        start_time: BigInt(s.start_time),
        end_time: BigInt(s.end_time),
        status: s.status as SpanInput['status'],
        status_message: s.status_message,
        attributes: s.attributes as Attributes,
        resource: s.resource as Attributes,
        events: s.events.map((e) => ({
          name: e.name,
          time: BigInt(e.time),
          attributes: e.attributes as Attributes,
        })),
      });
    }
    for (const e of m.events) {
      queue(events, trace_id).push({
        trace_id,
        span_id: e.span_id,
        type: e.type,
        timestamp: BigInt(e.timestamp),
        data: e.data,
      });
    }
  }
  // A trace's items sit in its records in the batch's order: take them back in the order of the batch.
  const inOrder = <T>(m: Map<string, T[]>, ids: string[]): T[] => {
    const out: T[] = [];
    const next = new Map<string, number>();
    for (const id of ids) {
      const q = m.get(id);
      if (!q) continue;
      const i = next.get(id) ?? 0;
      const item = q[i];
      if (item === undefined) continue;
      next.set(id, i + 1);
      out.push(item);
    }
    return out;
  };
  return {
    traces: inOrder(traces, order.traces),
    spans: inOrder(spans, order.spans),
    events: inOrder(events, order.events),
  };
}
