import { BaseError } from '@mesh-trace/errors';
import { z } from 'zod';
import type { Batch, CompleteInput } from './batch.js';

/**
 * What ingest produces to Kafka (topic `mesh-trace.spans.v1`, key = trace_id) and the writer consumes:
 * one message per trace in a batch, so a trace's data stays in one partition and in order.
 * Timestamps travel as decimal epoch-nanosecond strings. Fields added later must be optional, so
 * messages in flight during a rolling deploy still parse.
 */
const ns = z.string().regex(/^\d{1,20}$/);
// A JSON object's keys are strings already, so z.record(z.string(), z.unknown()) checked nothing more
// than this, but copied every attribute of every span: 90% of the writer's validation time.
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const attrs = z.custom<Record<string, unknown>>(isObject, { message: 'expected an object' });

export const envSchema = z.enum(['live', 'sandbox']);
export type Env = z.output<typeof envSchema>;

export const traceMessageSchema = z.object({
  v: z.literal(1),
  org_id: z.string().min(1),
  env: envSchema,
  trace_id: z.string(),
  received_at: ns,
  /** Set when the sending key is bound to an agent: it owns every trace it sends. */
  agent_id: z.string().optional(),
  traces: z
    .array(
      z.object({
        name: z.string(),
        service: z.string().optional(),
        agent_id: z.string().optional(),
        start_time: ns,
        attributes: attrs,
        input: z.unknown().optional(),
      }),
    )
    .default([]),
  spans: z
    .array(
      z.object({
        span_id: z.string(),
        parent_span_id: z.string().nullish(),
        name: z.string(),
        service: z.string(),
        kind: z.string(),
        start_time: ns,
        end_time: ns,
        status: z.string(),
        status_message: z.string().optional(),
        attributes: attrs,
        resource: attrs,
        events: z.array(z.object({ name: z.string(), time: ns, attributes: attrs })).default([]),
      }),
    )
    .default([]),
  events: z
    .array(
      z.object({
        span_id: z.string().nullish(),
        type: z.string(),
        timestamp: ns,
        data: z.unknown().optional(),
      }),
    )
    .default([]),
  /** POST /v1/traces/:id/complete. `received_at` orders completions: the latest wins. */
  completion: z
    .object({
      status: z.enum(['completed', 'errored']),
      end_time: ns.optional(),
      output: z.unknown().optional(),
      error: z
        .object({ message: z.string(), type: z.string().optional(), stack: z.string().optional() })
        .optional(),
      attributes: attrs,
    })
    .optional(),
});

export type TraceMessage = z.output<typeof traceMessageSchema>;

export interface Tenant {
  org_id: string;
  env: Env;
  agent_id?: string | undefined;
}

export interface BusRecord {
  key: string;
  value: Buffer;
}

function emptyMessage(traceId: string, tenant: Tenant, receivedAtNs: bigint): TraceMessage {
  return {
    v: 1,
    org_id: tenant.org_id,
    env: tenant.env,
    trace_id: traceId,
    received_at: receivedAtNs.toString(),
    ...(tenant.agent_id ? { agent_id: tenant.agent_id } : {}),
    traces: [],
    spans: [],
    events: [],
  };
}

/**
 * Bytes of JSON per message before a trace's items are split over several messages: well under
 * Kafka's default message.max.bytes (1 MiB), which applies to a record batch even before compression
 * when the payload does not compress.
 */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/**
 * Splits a validated batch into one message per trace id, keyed by it (one partition, in order). A
 * trace whose items exceed `maxMessageBytes` of JSON goes out as several messages of the same key:
 * the writer pairs parents and children per partition, so nothing depends on them sharing a message.
 */
export function encodeTraceMessages(
  batch: Batch,
  tenant: Tenant,
  receivedAtNs: bigint,
  maxMessageBytes = MAX_MESSAGE_BYTES,
): BusRecord[] {
  const byTrace = new Map<string, TraceMessage>();
  const get = (traceId: string): TraceMessage => {
    let m = byTrace.get(traceId);
    if (!m) {
      m = emptyMessage(traceId, tenant, receivedAtNs);
      byTrace.set(traceId, m);
    }
    return m;
  };
  for (const t of batch.traces) {
    get(t.trace_id).traces.push({
      name: t.name,
      service: t.service,
      agent_id: tenant.agent_id ?? t.agent_id,
      start_time: t.start_time.toString(),
      attributes: t.attributes,
      input: t.input,
    });
  }
  for (const s of batch.spans) {
    get(s.trace_id).spans.push({
      span_id: s.span_id,
      parent_span_id: s.parent_span_id ?? null,
      name: s.name,
      service: s.service,
      kind: s.kind,
      start_time: s.start_time.toString(),
      end_time: s.end_time.toString(),
      status: s.status,
      status_message: s.status_message,
      attributes: s.attributes,
      resource: s.resource,
      events: s.events.map((e) => ({ name: e.name, time: e.time.toString(), attributes: e.attributes })),
    });
  }
  for (const e of batch.events) {
    get(e.trace_id).events.push({
      span_id: e.span_id ?? null,
      type: e.type,
      timestamp: e.timestamp.toString(),
      data: e.data,
    });
  }
  return [...byTrace.values()].flatMap((m) =>
    splitMessage(m, maxMessageBytes).map((value) => ({ key: m.trace_id, value })),
  );
}

const ITEM_LISTS = ['traces', 'spans', 'events'] as const;

/** The message as JSON, or as several messages each holding part of its items when it is too large. */
function splitMessage(m: TraceMessage, maxBytes: number): Buffer[] {
  const whole = Buffer.from(JSON.stringify(m));
  if (whole.length <= maxBytes) return [whole];
  const out: Buffer[] = [];
  const head = { ...m, traces: [], spans: [], events: [] };
  const overhead = Buffer.byteLength(JSON.stringify(head));
  let part: TraceMessage = { ...head, traces: [], spans: [], events: [] };
  let size = overhead;
  const flush = () => {
    if (size > overhead) out.push(Buffer.from(JSON.stringify(part)));
    part = { ...head, traces: [], spans: [], events: [] };
    size = overhead;
  };
  for (const list of ITEM_LISTS) {
    for (const item of m[list]) {
      const bytes = Buffer.byteLength(JSON.stringify(item)) + 1;
      // Kafka would refuse it whatever we did (and a 503 would make the client retry forever).
      if (overhead + bytes > maxBytes)
        throw new BaseError(
          'payload_too_large',
          `One ${list.slice(0, -1)} of trace ${m.trace_id} is ${bytes} bytes of JSON; one item may be at most ${maxBytes - overhead}`,
        );
      if (size + bytes > maxBytes) flush();
      (part[list] as unknown[]).push(item);
      size += bytes;
    }
  }
  flush();
  return out;
}

export function encodeCompletion(
  traceId: string,
  c: CompleteInput,
  tenant: Tenant,
  receivedAtNs: bigint,
): BusRecord {
  const m: TraceMessage = {
    ...emptyMessage(traceId, tenant, receivedAtNs),
    completion: {
      status: c.status,
      end_time: c.end_time?.toString(),
      output: c.output,
      error: c.error,
      attributes: c.attributes,
    },
  };
  return { key: traceId, value: Buffer.from(JSON.stringify(m)) };
}

export type DecodeResult = { ok: true; message: TraceMessage } | { ok: false; reason: string };

export function decodeTraceMessage(value: Buffer | null): DecodeResult {
  if (!value) return { ok: false, reason: 'empty_value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const res = traceMessageSchema.safeParse(json);
  if (!res.success) return { ok: false, reason: `schema: ${res.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, message: res.data };
}
