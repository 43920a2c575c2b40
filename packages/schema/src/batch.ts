import { type ErrorDetail, UnprocessableError, ValidationError } from '@mesh-trace/errors';
import { z } from 'zod';
import { isAllZeros, SPAN_ID, TRACE_ID } from './ids.js';
import { nowNs, parseTimestampNs } from './time.js';
import { zodDetails } from './zod-details.js';

export const MAX_PAYLOAD_BYTES = 256 * 1024;

const traceId = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(TRACE_ID, { error: 'must be 32 hex characters' }));
const spanId = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(SPAN_ID, { error: 'must be 16 hex characters' }));

const timestamp = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ns = parseTimestampNs(v);
  if (ns === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp or integer epoch nanoseconds' });
    return z.NEVER;
  }
  return ns;
});

/** Attribute limits, shared by attributesSchema and plainValidAttributes. */
const ATTRIBUTE_KEY_MAX = 256;
const ATTRIBUTE_STRING_MAX = 64 * 1024;
const ATTRIBUTE_ARRAY_MAX = 1000;

const scalar = z.union([z.string().max(ATTRIBUTE_STRING_MAX), z.number(), z.boolean()]);
export const attributeValueSchema = z.union([scalar, z.array(scalar).max(ATTRIBUTE_ARRAY_MAX)], {
  error: 'attribute values must be a string, number, boolean or an array of those',
});
export const attributesSchema = z.record(z.string().min(1).max(ATTRIBUTE_KEY_MAX), attributeValueSchema);

const payload = z.unknown().superRefine((v, ctx) => {
  if (v === undefined) return;
  let json: string;
  try {
    json = JSON.stringify(v) ?? '';
  } catch (err) {
    // JSON.parse accepts nesting that JSON.stringify (recursive) cannot walk: a 400, not a crash.
    if (!(err instanceof RangeError)) throw err;
    ctx.addIssue({ code: 'custom', message: 'is nested too deeply' });
    return;
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_PAYLOAD_BYTES) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON` });
  }
});

export const spanKindSchema = z.enum(['internal', 'server', 'client', 'producer', 'consumer']);
export const spanStatusSchema = z.enum(['ok', 'error', 'unset']);

export const spanEventSchema = z.object({
  name: z.string().min(1).max(1024),
  time: timestamp,
  attributes: attributesSchema.default({}),
});

export const traceInputSchema = z.object({
  trace_id: traceId,
  name: z.string().min(1).max(1024),
  service: z.string().min(1).max(256).optional(),
  agent_id: z.string().min(1).max(256).optional(),
  start_time: timestamp,
  attributes: attributesSchema.default({}),
  input: payload.optional(),
});

export const spanInputSchema = z.object({
  trace_id: traceId,
  span_id: spanId,
  parent_span_id: spanId.nullish(),
  name: z.string().min(1).max(1024),
  service: z.string().min(1).max(256),
  kind: spanKindSchema.default('internal'),
  start_time: timestamp,
  end_time: timestamp,
  status: spanStatusSchema.default('unset'),
  status_message: z
    .string()
    .max(64 * 1024)
    .optional(),
  attributes: attributesSchema.default({}),
  resource: attributesSchema.default({}),
  events: z.array(spanEventSchema).max(1000).default([]),
});

export const eventInputSchema = z.object({
  trace_id: traceId,
  span_id: spanId.nullish(),
  type: z.string().min(1).max(256),
  timestamp: timestamp,
  data: payload.optional(),
});

export const batchSchema = z.object({
  traces: z.array(traceInputSchema).default([]),
  spans: z.array(spanInputSchema).default([]),
  events: z.array(eventInputSchema).default([]),
});

export const completeSchema = z.object({
  status: z.enum(['completed', 'errored']),
  end_time: timestamp.optional(),
  output: payload.optional(),
  error: z
    .object({
      message: z
        .string()
        .min(1)
        .max(64 * 1024),
      type: z.string().max(256).optional(),
      stack: z.string().max(MAX_PAYLOAD_BYTES).optional(),
    })
    .optional(),
  attributes: attributesSchema.default({}),
});

export type CompleteInput = z.output<typeof completeSchema>;

type Attributes = z.output<typeof attributesSchema>;
const isScalar = (v: unknown): boolean =>
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v)) ||
  (typeof v === 'string' && v.length <= ATTRIBUTE_STRING_MAX);

/**
 * True only for attributes that attributesSchema accepts unchanged: keys of 1–256 characters (and not
 * `__proto__`, which the schema's copy drops), values scalars or arrays of at most 1,000 of them. What
 * it refuses goes to attributesSchema, which decides and words the errors.
 */
export function plainValidAttributes(v: unknown): v is Attributes {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    Object.getPrototypeOf(v) !== Object.prototype
  )
    return false;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k.length === 0 || k.length > ATTRIBUTE_KEY_MAX || k === '__proto__') return false;
    const x = o[k];
    if (isScalar(x)) continue;
    if (!Array.isArray(x) || x.length > ATTRIBUTE_ARRAY_MAX) return false;
    for (const item of x) if (!isScalar(item)) return false;
  }
  return true;
}

// The batch schema with attributes checked by plainValidAttributes and passed through as they are:
// the record schema copies every attribute of every span through a union per value, which was most
// of a batch's validation cost. A batch it refuses is parsed again with batchSchema for the errors.
const fastAttributes = z.custom<Attributes>(plainValidAttributes).default({});
const fastBatchSchema = batchSchema.extend({
  traces: z.array(traceInputSchema.extend({ attributes: fastAttributes })).default([]),
  spans: z
    .array(
      spanInputSchema.extend({
        attributes: fastAttributes,
        resource: fastAttributes,
        events: z
          .array(spanEventSchema.extend({ attributes: fastAttributes }))
          .max(1000)
          .default([]),
      }),
    )
    .default([]),
});

export type TraceInput = z.output<typeof traceInputSchema>;
export type SpanInput = z.output<typeof spanInputSchema>;
export type EventInput = z.output<typeof eventInputSchema>;
export type Batch = z.output<typeof batchSchema>;

export interface BatchLimits {
  maxItems: number;
  retentionNs: bigint;
  /** How far in the future a timestamp may lie (clock skew allowance). */
  futureNs?: bigint;
  now?: bigint;
}

const HOUR_NS = 3_600_000_000_000n;

/**
 * Validates a batch body: 400 (ValidationError) for schema violations, 422 (UnprocessableError) for
 * a parseable but logically invalid batch (API.md §2).
 */
export function parseBatch(body: unknown, limits: BatchLimits): Batch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON object with traces, spans or events');
  }
  const fast = fastBatchSchema.safeParse(body);
  const res = fast.success ? fast : batchSchema.safeParse(body);
  if (!res.success) {
    throw new ValidationError('Invalid batch', zodDetails(res.error));
  }
  const batch = res.data;
  const total = batch.traces.length + batch.spans.length + batch.events.length;
  if (total === 0) throw new ValidationError('Batch must contain at least one trace, span or event');
  if (total > limits.maxItems) {
    throw new ValidationError(`Batch has ${total} items; the limit is ${limits.maxItems}`, [
      { path: '', message: `at most ${limits.maxItems} items per batch` },
    ]);
  }
  const problems = logicalProblems(batch, limits);
  if (problems.length) throw new UnprocessableError('Batch is logically invalid', problems.slice(0, 100));
  return batch;
}

function logicalProblems(batch: Batch, limits: BatchLimits): ErrorDetail[] {
  const now = limits.now ?? nowNs();
  const oldest = now - limits.retentionNs;
  const newest = now + (limits.futureNs ?? HOUR_NS);
  const out: ErrorDetail[] = [];
  const checkTime = (path: string, ns: bigint) => {
    if (ns < oldest || ns > newest)
      out.push({ path, message: 'timestamp outside [now - retention, now + 1h]' });
  };
  const checkTrace = (path: string, id: string) => {
    if (isAllZeros(id)) out.push({ path, message: 'trace_id must not be all zeros' });
  };
  batch.traces.forEach((t, i) => {
    checkTrace(`traces[${i}].trace_id`, t.trace_id);
    checkTime(`traces[${i}].start_time`, t.start_time);
  });
  const seen = new Map<string, number>();
  batch.spans.forEach((s, i) => {
    checkTrace(`spans[${i}].trace_id`, s.trace_id);
    if (isAllZeros(s.span_id))
      out.push({ path: `spans[${i}].span_id`, message: 'span_id must not be all zeros' });
    const key = `${s.trace_id}/${s.span_id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      out.push({
        path: `spans[${i}].span_id`,
        message: `duplicate of spans[${first}].span_id in this batch`,
      });
    } else seen.set(key, i);
    if (s.end_time < s.start_time)
      out.push({ path: `spans[${i}].end_time`, message: 'end_time is before start_time' });
    checkTime(`spans[${i}].start_time`, s.start_time);
    checkTime(`spans[${i}].end_time`, s.end_time);
    s.events.forEach((e, j) => {
      checkTime(`spans[${i}].events[${j}].time`, e.time);
    });
  });
  batch.events.forEach((e, i) => {
    checkTrace(`events[${i}].trace_id`, e.trace_id);
    checkTime(`events[${i}].timestamp`, e.timestamp);
  });
  return out;
}
